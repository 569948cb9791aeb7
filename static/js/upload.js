// Upload page: send the form to POST /api/videos/ with XMLHttpRequest (fetch has no upload
// progress), show real progress, field errors from the JSON answer, then open the video page.
// Without JavaScript the form posts to /upload/ itself and still works.

const form = document.getElementById("upload-form");

const MESSAGES = {
  network: "The upload stopped: the connection to the server was lost. Please try again.",
  server: "Something went wrong on the server. Please try again in a moment.",
  auth: "You are signed out. Sign in again, then upload the file.",
  csrf: "This page has expired. Reload it and upload the file again.",
  tooLarge: "This file is too large to upload.",
};

function formatBytes(bytes) {
  const units = ["bytes", "KB", "MB", "GB"];
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${size} bytes` : `${size.toFixed(1)} ${units[unit]}`;
}

function setup(form) {
  const $ = (selector) => form.querySelector(selector);
  const alertBox = $("[data-upload-error]");
  const progressBox = $("[data-upload-progress]");
  const bar = $("[data-upload-bar]");
  const status = $("[data-upload-status]");
  const numbers = $("[data-upload-numbers]");
  const announce = $("[data-upload-announce]");
  const submit = $("[data-upload-submit]");
  const cancel = $("[data-upload-cancel]");
  const fileInput = form.elements.namedItem("file");
  const maxBytes = Number(fileInput?.dataset.maxBytes || 0);
  let xhr = null;

  function fieldErrorList(name) {
    return form.querySelector(`[data-field="${name}"] .field__errors`);
  }

  function clearErrors() {
    alertBox.hidden = true;
    alertBox.textContent = "";
    form.querySelectorAll("[data-field]").forEach((field) => {
      field.classList.remove("field--invalid");
      field.querySelector(".field__errors").replaceChildren();
      const input = field.querySelector("input, textarea, select");
      input?.removeAttribute("aria-invalid");
    });
  }

  function showFieldError(name, messages) {
    const list = fieldErrorList(name);
    if (!list) return false;
    const field = list.closest("[data-field]");
    field.classList.add("field--invalid");
    const input = field.querySelector("input, textarea, select");
    if (input) {
      input.setAttribute("aria-invalid", "true");
      const described = new Set((input.getAttribute("aria-describedby") || "").split(" "));
      described.add(list.id);
      input.setAttribute("aria-describedby", [...described].filter(Boolean).join(" "));
    }
    list.replaceChildren(
      ...messages.map((text) => Object.assign(document.createElement("li"), { textContent: text })),
    );
    return true;
  }

  function showAlert(text) {
    alertBox.textContent = text;
    alertBox.hidden = false;
  }

  function showErrors(httpStatus, body) {
    const leftover = [];
    if (body && typeof body === "object") {
      for (const [name, value] of Object.entries(body)) {
        const messages = (Array.isArray(value) ? value : [value]).map(String);
        if (name === "detail" || name === "non_field_errors" || !showFieldError(name, messages)) {
          leftover.push(...messages);
        }
      }
    }
    if (leftover.length) {
      showAlert(leftover.join(" "));
    } else if (!body || typeof body !== "object" || !Object.keys(body).length) {
      if (httpStatus === 413) showAlert(MESSAGES.tooLarge);
      else if (httpStatus === 401) showAlert(MESSAGES.auth);
      else if (httpStatus === 403) showAlert(MESSAGES.csrf);
      else showAlert(MESSAGES.server);
    }
    const firstInvalid = form.querySelector(".field--invalid input, .field--invalid textarea");
    firstInvalid?.focus();
  }

  function setBusy(busy) {
    submit.disabled = busy;
    cancel.hidden = !busy;
    progressBox.hidden = !busy;
    form.querySelectorAll("input, textarea, select").forEach((input) => {
      if (input.type !== "hidden") input.disabled = busy;
    });
  }

  function warnBeforeLeaving(event) {
    event.preventDefault();
  }

  function validate() {
    const problems = [];
    // A music track's title is optional (its tags fill it): only a required one is checked.
    const title = form.elements.namedItem("title");
    if (title.required && !title.value.trim()) {
      problems.push(["title", "Give the video a title."]);
    }
    const file = fileInput.files[0];
    if (!file) {
      problems.push(["file", fileInput.dataset.missing || "Choose a video or audio file to upload."]);
    } else if (file.size === 0) {
      problems.push(["file", "This file is empty."]);
    } else if (maxBytes && file.size > maxBytes) {
      const text = `The file is ${formatBytes(file.size)}; the largest upload allowed is ${formatBytes(maxBytes)}.`;
      problems.push(["file", text]);
    }
    for (const [name, text] of problems) showFieldError(name, [text]);
    return problems.length === 0;
  }

  function finish() {
    xhr = null;
    window.removeEventListener("beforeunload", warnBeforeLeaving);
    setBusy(false);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (xhr) return;
    clearErrors();
    if (!validate()) {
      form.querySelector(".field--invalid input, .field--invalid textarea")?.focus();
      return;
    }
    const data = new FormData(form);
    const token = data.get("csrfmiddlewaretoken");
    data.delete("csrfmiddlewaretoken");
    const started = performance.now();

    xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.apiUrl);
    xhr.setRequestHeader("X-CSRFToken", token);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";

    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      const percent = Math.floor((e.loaded / e.total) * 100);
      bar.value = percent;
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0.5 ? ` · ${formatBytes(e.loaded / seconds)}/s` : "";
      numbers.textContent = `${formatBytes(e.loaded)} of ${formatBytes(e.total)}${rate}`;
      status.textContent = `Uploading… ${percent}%`;
      if (percent % 25 === 0) announce.textContent = `Uploaded ${percent}%`;
    });
    xhr.upload.addEventListener("load", () => {
      bar.value = 100;
      status.textContent = "Upload complete. Saving…";
      announce.textContent = "Upload complete. Saving.";
    });
    xhr.addEventListener("load", () => {
      const request = xhr;
      window.removeEventListener("beforeunload", warnBeforeLeaving);
      if (request.status === 201 && request.response?.id) {
        status.textContent = "Saved. Opening your video…";
        cancel.hidden = true;
        const url = form.dataset.videoUrl.replace("__id__", encodeURIComponent(request.response.id));
        window.location.assign(url);
        return;
      }
      finish();
      showErrors(request.status, request.response);
    });
    xhr.addEventListener("error", () => {
      finish();
      showAlert(MESSAGES.network);
    });
    xhr.addEventListener("abort", () => {
      finish();
      status.textContent = "Upload cancelled.";
      announce.textContent = "Upload cancelled.";
    });

    window.addEventListener("beforeunload", warnBeforeLeaving);
    bar.value = 0;
    numbers.textContent = "";
    status.textContent = "Uploading…";
    setBusy(true);
    xhr.send(data); // the browser sets the multipart boundary itself
  });

  cancel.addEventListener("click", () => xhr?.abort());
}

if (form) setup(form);
