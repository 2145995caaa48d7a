// The program form's small helpers (web/prescribe_pages.py). The form works without this module: it only narrows
// each rung list to the chosen exercise's ladder, shows the ceiling only for "progress", adds rows and moves them.

const form = document.querySelector("form.rx-form");

function rowsOf() {
  return [...form.querySelectorAll("li.rx-row")];
}

// Narrow a rung list to one exercise's ladder; a rung of another exercise is replaced by "the exercise itself".
function narrow(select, exercise) {
  for (const group of select.querySelectorAll("optgroup")) {
    const mine = group.dataset.exercise === exercise;
    group.hidden = !mine;
    for (const option of group.querySelectorAll("option")) option.disabled = !mine;
  }
  if (select.selectedOptions[0] && select.selectedOptions[0].disabled) select.value = "";
}

function refresh(row) {
  const exercise = row.querySelector("select.rx-exercise").value;
  for (const select of row.querySelectorAll("select.rx-rung")) narrow(select, exercise);
  const progress = row.querySelector("input[value=progress]").checked;
  row.querySelector(".rx-ceiling").hidden = !progress;
}

// The order numbers follow the rows as they stand, so a move is what the server reads.
function renumber() {
  rowsOf().forEach((row, i) => {
    row.querySelector("input.rx-order").value = String(i + 1);
    row.querySelector(".rx-number").textContent = String(i + 1);
  });
}

function wire(row) {
  row.querySelector(".rx-move").hidden = false;
  row.querySelector("select.rx-exercise").addEventListener("change", () => refresh(row));
  for (const radio of row.querySelectorAll("input[type=radio]")) radio.addEventListener("change", () => refresh(row));
  row.querySelector("button.rx-up").addEventListener("click", (event) => {
    const before = row.previousElementSibling;
    if (before) before.before(row);
    renumber();
    event.currentTarget.focus();
  });
  row.querySelector("button.rx-down").addEventListener("click", (event) => {
    const after = row.nextElementSibling;
    if (after) after.after(row);
    renumber();
    event.currentTarget.focus();
  });
  refresh(row);
}

function empty(row) {
  return row.querySelector("select.rx-exercise").value === "";
}

// A copy of an empty row under a new key: every name, id and reference that carries "row-K-" is moved to it.
function copyRow(template) {
  const key = Math.max(...rowsOf().map((r) => Number(r.dataset.key))) + 1;
  const row = template.cloneNode(true);
  const from = `row-${template.dataset.key}-`;
  const to = `row-${key}-`;
  row.dataset.key = String(key);
  for (const el of row.querySelectorAll("[name], [id], [aria-describedby], [data-for]")) {
    for (const attr of ["name", "id", "aria-describedby", "data-for"]) {
      const value = el.getAttribute(attr);
      if (value) el.setAttribute(attr, value.replaceAll(from, to));
    }
  }
  for (const problem of row.querySelectorAll(".problems")) problem.remove();
  for (const input of row.querySelectorAll("input[type=number], textarea")) input.value = "";
  for (const box of row.querySelectorAll("input[type=checkbox]")) box.checked = false;
  for (const select of row.querySelectorAll("select")) select.selectedIndex = 0;
  row.querySelector("input[value=keep]").checked = true;
  return row;
}

if (form) {
  const rows = rowsOf();
  rows.forEach(wire);
  // Empty rows wait behind "Add an exercise": one is shown at a time.
  const spare = rows.filter(empty);
  spare.slice(1).forEach((row) => (row.hidden = true));
  const add = document.getElementById("rx-add");
  add.hidden = false;
  add.addEventListener("click", () => {
    let next = rowsOf().find((row) => row.hidden);
    if (!next) {
      const last = rowsOf().filter(empty).at(-1) || rowsOf().at(-1);
      next = copyRow(last);
      rowsOf().at(-1).after(next);
      wire(next);
    }
    next.hidden = false;
    renumber();
    next.querySelector("select.rx-exercise").focus();
  });
}
