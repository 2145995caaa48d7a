// The parity cases tests/test_player_parity.py writes (the runner's tables, a trace, and the record the terminal
// player saved for it), replayed through the browser player's core and compared field by field.
// Run through pytest, or: PARITY_CASES=cases.json node --test tests/js/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { replay } from "./replay.mjs";

const path = process.env.PARITY_CASES;
const cases = path ? JSON.parse(readFileSync(path, "utf8")) : [];
const SESSION_FIELDS = ["date", "pain_before", "pain_after", "partial"];
const ITEM_FIELDS = ["exercise", "rung", "prescription", "completed_reps", "completed_sets", "difficulty", "pain_during"];

test("parity cases are given", { skip: path ? false : "PARITY_CASES is not set: run tests/test_player_parity.py" }, () => {
  assert.ok(cases.length > 0);
});

for (const { name, tables, trace, date, expected } of cases) {
  test(name, () => {
    const { saved } = replay(tables, trace, date);
    for (const field of SESSION_FIELDS) assert.deepEqual(saved[field], expected[field], `${name}: ${field}`);
    const brief = (items) => items.map((i) => `${i.exercise} ${i.completed_sets}x${i.completed_reps}`);
    assert.deepEqual(brief(saved.items), brief(expected.items), `${name}: the items saved`);
    saved.items.forEach((item, i) => {
      for (const field of ITEM_FIELDS) assert.deepEqual(item[field], expected.items[i][field], `${name}: item ${i} ${field}`);
    });
  });
}

test("the completed counts come from the steps done, not the prescription", () => {
  for (const { tables } of cases) {
    for (const item of tables.items) {
      const last = tables.steps[item.last_step];
      assert.equal(item.done.completed_reps, last.rep);
      assert.equal(item.done.completed_sets, last.set);
    }
  }
});
