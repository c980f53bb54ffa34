// fairgate console: reveal a blurred image on request; show upload progress on import.
"use strict";
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.reveal");
  if (!button) return;
  const img = document.getElementById(button.getAttribute("aria-controls"));
  const shown = button.getAttribute("aria-pressed") === "true";
  if (!img.dataset.blurSrc) img.dataset.blurSrc = img.src;
  img.src = shown ? img.dataset.blurSrc : img.dataset.revealSrc;
  img.alt = img.alt.replace(shown ? /, revealed$/ : /, blurred and grey$/, shown ? ", blurred and grey" : ", revealed");
  img.classList.toggle("revealed", !shown);
  button.setAttribute("aria-pressed", String(!shown));
  button.textContent = shown ? "Reveal image" : "Blur image";
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  const bar = form.dataset.progress && document.getElementById(form.dataset.progress);
  if (!bar) return;
  event.preventDefault();
  const xhr = new XMLHttpRequest();
  xhr.upload.addEventListener("progress", (e) => {
    if (e.lengthComputable) { bar.value = Math.round((100 * e.loaded) / e.total); bar.textContent = bar.value + "%"; }
  });
  xhr.addEventListener("load", () => { window.location.assign(xhr.responseURL); });
  xhr.open("POST", form.action);
  xhr.send(new FormData(form));
});
