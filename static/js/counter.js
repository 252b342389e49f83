// Counts down under fields with data-limit; the server still checks the length. Screen readers
// hear the count on focus, and through a polite live region only when its band changes.
// app.js imports this module when such a field is first focused; its words are on <meta name="aid-counter">.
const tag = document.querySelector('meta[name="aid-counter"]');
const words = { left: tag?.dataset.left || "{n}", over: tag?.dataset.over || "-{n}" };
const PAUSE_MS = 900; // speak after typing pauses

function say(template, n) {
  return template.replace("{n}", String(n));
}

// "near": the last tenth (at least 20 left)
function band(left, limit) {
  if (left < 0) return "over";
  return left <= Math.max(20, Math.round(limit / 10)) ? "near" : "ok";
}

function attach(field) {
  const limit = parseInt(field.dataset.limit, 10);
  if (!(limit > 0) || field.dataset.counted) return;
  field.dataset.counted = "1";
  const id = (field.id || field.name) + "-count";
  const shown = document.createElement("p");
  shown.className = "counter";
  shown.id = id;
  const live = document.createElement("span");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  live.setAttribute("aria-atomic", "true");
  field.after(shown, live);
  const described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  field.setAttribute("aria-describedby", [...described, id].join(" "));

  let told = band(limit - field.value.length, limit);
  let timer = null;
  const update = () => {
    const left = limit - field.value.length;
    const text = left < 0 ? say(words.over, -left) : say(words.left, left);
    shown.textContent = text;
    shown.classList.toggle("over", left < 0);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const now = band(left, limit);
      if (now !== told) live.textContent = text;
      told = now;
    }, PAUSE_MS);
  };
  field.addEventListener("input", update);
  update();
}

function enhance(root) {
  if (root.querySelectorAll) root.querySelectorAll("textarea[data-limit], input[data-limit]").forEach(attach);
}

enhance(document);
document.addEventListener("htmx:load", (event) => enhance(event.target));
