// The template picker on the profile page. The server renders a correct preview on its own;
// this only makes it follow the typing: each variable input updates its spans in the preview
// and the value the Send form posts, and picking a template loads its variables at once.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
    const picker = document.getElementById("template-picker");
    if (!picker) return;
    const chooser = picker.querySelector("[data-template-choose]");
    const select = picker.querySelector("[data-template-select]");
    if (chooser && select) {
        select.addEventListener("change", () => chooser.submit());
        const choose = picker.querySelector("[data-template-choose-button]");
        if (choose) choose.hidden = true;
    }
    const previewButton = picker.querySelector("[data-template-preview-button]");
    if (previewButton) previewButton.hidden = true;

    function clean(value) {
        // What the server sends: one line, single spaces.
        return value.replace(/\s+/g, " ").trim();
    }

    for (const input of picker.querySelectorAll("[data-template-var]")) {
        const field = input.dataset.templateVar;
        const update = () => {
            const value = clean(input.value);
            for (const span of picker.querySelectorAll(".template-preview-var")) {
                if (span.dataset.var === field) span.textContent = value || input.dataset.placeholder;
            }
            for (const hidden of picker.querySelectorAll("[data-template-value]")) {
                if (hidden.dataset.templateValue === field) hidden.value = input.value;
            }
        };
        input.addEventListener("input", update);
        input.addEventListener("change", update);
    }
});
