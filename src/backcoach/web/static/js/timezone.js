// The preferences form's time zone: offers the device's own zone with a button, and only fills it in when the
// person presses it. Filled in silently, a phone set to the wrong zone, or carried abroad for a week, would move
// every reminder and change which day sessions are dated.

const input = document.querySelector("input[name=time_zone]");
const box = document.getElementById("zone-suggestion");

function deviceZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (_) { return ""; }
}

if (input && box) {
  const device = deviceZone();
  // Offered only when the server knows the zone too, so that pressing the button can never lead to a refusal.
  const known = new Set(Array.from(document.querySelectorAll("#zones option"), (option) => option.value));
  const offer = () => { box.hidden = !known.has(device) || input.value.trim() === device; };
  document.getElementById("zone-device").textContent = device;
  document.getElementById("zone-use").addEventListener("click", () => { input.value = device; offer(); input.focus(); });
  input.addEventListener("input", offer);
  offer();
}
