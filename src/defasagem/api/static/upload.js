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

  const show = (message) => {
    const box = document.createElement("p");
    box.className = "aviso";
    box.setAttribute("role", "alert");
    box.textContent = message;
    errors.replaceChildren(box);
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = form.querySelector("input[type=file]").files[0];
    if (file && file.size > Number(form.dataset.limite)) {
      show(`Não foi possível pontuar: o arquivo passa do limite de ${form.dataset.limiteMb} MB.`);
      return;
    }
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", (progress) => {
      if (!progress.lengthComputable) return;
      const share = Math.round((100 * progress.loaded) / progress.total);
      bar.value = share;
      text.textContent = share < 100 ? `${share} %` : "pontuando os alunos…";
    });
    request.addEventListener("load", () => {
      const landed = request.responseURL;
      // A result, or the login page when the session expired meanwhile: go there.
      if (request.status === 200 && (landed.includes("/resultado/") || landed.includes("/login"))) {
        window.location.assign(landed);
        return;
      }
      // An error page: show its message here, keep the form usable.
      const page = new DOMParser().parseFromString(request.responseText, "text/html");
      const alert = page.querySelector("#erro [role=alert]") || page.querySelector("[role=alert]");
      if (alert) {
        errors.replaceChildren(alert);
      } else {
        show(`Não foi possível pontuar (erro ${request.status} do servidor); tente de novo.`);
      }
      area.hidden = true;
      button.disabled = false;
    });
    request.addEventListener("error", () => {
      show("Falha de conexão com o servidor; tente de novo.");
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
