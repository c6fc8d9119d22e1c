// The thread reads like a chat: open it scrolled to the newest message, next to the reply box.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
    for (const box of document.querySelectorAll("[data-scroll-to-end]")) {
        box.scrollTop = box.scrollHeight;
    }
});
