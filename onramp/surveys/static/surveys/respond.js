// Show a follow-up question only when the score it depends on is in its range. Without
// JavaScript every follow-up shows, with a note saying when it applies.
(function () {
  const form = document.querySelector(".respond-form");
  if (!form) return;
  const followups = Array.from(form.querySelectorAll("[data-follows]"));
  function update() {
    followups.forEach((fs) => {
      const checked = form.querySelector(`input[name="${fs.dataset.follows}"]:checked`);
      const score = checked ? Number(checked.value) : null;
      const min = fs.dataset.showMin === "" ? -Infinity : Number(fs.dataset.showMin);
      const max = fs.dataset.showMax === "" ? Infinity : Number(fs.dataset.showMax);
      fs.hidden = score === null || score < min || score > max;
      const note = fs.querySelector(".followup-note");
      if (note) note.hidden = true;
    });
  }
  form.addEventListener("change", update);
  update();
  const errors = document.getElementById("form-errors");
  if (errors) errors.focus();
})();
