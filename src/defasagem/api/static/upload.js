// Upload progress for the home page. Without JavaScript the form posts normally.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("envio");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  const area = document.getElementById("progresso-area");
  const bar = document.getElementById("progresso");
  const text = document.getElementById("progresso-texto");
  const errors = document.getElementById("erro");
  const button = form.querySelector("button[type=submit]");

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", (progress) => {
      if (!progress.lengthComputable) return;
      const share = Math.round((100 * progress.loaded) / progress.total);
      bar.value = share;
      text.textContent = share < 100 ? `${share} %` : "pontuando os alunos…";
    });
    request.addEventListener("load", () => {
      if (request.status === 200 && request.responseURL.includes("/resultado/")) {
        window.location.assign(request.responseURL);
        return;
      }
      // An error page: show its message here, keep the form usable.
      const page = new DOMParser().parseFromString(request.responseText, "text/html");
      const alert = page.querySelector("#erro") || page.querySelector("[role=alert]");
      errors.replaceChildren(...(alert ? alert.childNodes : []));
      area.hidden = true;
      button.disabled = false;
    });
    request.addEventListener("error", () => {
      errors.textContent = "Falha de conexão com o servidor; tente de novo.";
      area.hidden = true;
      button.disabled = false;
    });
    area.hidden = false;
    bar.value = 0;
    text.textContent = "";
    button.disabled = true;
    request.send(new FormData(form));
  });
});
