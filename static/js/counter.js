// A character counter under each field with a limit (data-limit="2000"). Progressive
// enhancement: without it the form works the same and the server says when a text is too long
// (nothing is cut off as it is typed). The visible count follows every key; screen readers are
// told only when it matters (getting close to the limit, over it, back under it), through one
// polite live region a field, once the typing pauses, and can hear the count on focus
// (aria-describedby). Its words come translated on its own <script data-counter> tag.
const tag = document.querySelector("script[data-counter]");
const words = { left: tag?.dataset.left || "{n}", over: tag?.dataset.over || "-{n}" };
const PAUSE_MS = 900; // announce after the typing pauses, not on every key

function say(template, n) {
  return template.replace("{n}", String(n));
}

// "ok" far from the limit, "near" in its last tenth (at least the last 20), "over" past it.
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
