// The back office's live connection: one websocket to /ws/dashboard/, reconnecting with
// backoff, resuming from the last event id it saw so nothing missed is lost.
"use strict";
window.BackofficeLive = (() => {
    const MAX_DELAY_MS = 10000;

    function connect({ since, onEvent, onState, onReconnect, path = "/ws/dashboard/" }) {
        let lastId = Number(since) || 0;
        let attempts = 0;
        let stopped = false;
        let socket = null;
        const seen = new Set();

        function open() {
            const scheme = window.location.protocol === "https:" ? "wss" : "ws";
            socket = new WebSocket(`${scheme}://${window.location.host}${path}?since=${lastId}`);
            onState("connecting");
            socket.addEventListener("open", () => {
                const reconnected = attempts > 0;
                attempts = 0;
                onState("live");
                if (reconnected && onReconnect) onReconnect();
            });
            socket.addEventListener("message", (message) => {
                const event = JSON.parse(message.data);
                if (event.id) {
                    if (seen.has(event.id)) return;
                    seen.add(event.id);
                    if (seen.size > 5000) seen.delete(seen.values().next().value);
                    lastId = Math.max(lastId, event.id);
                }
                onEvent(event);
            });
            socket.addEventListener("close", (closing) => {
                if (stopped) return;
                if (closing.code === 4403) {
                    onState("forbidden");
                    return;
                }
                attempts += 1;
                const delay = Math.min(MAX_DELAY_MS, 500 * 2 ** (attempts - 1));
                onState("reconnecting", delay);
                window.setTimeout(open, delay);
            });
        }

        open();
        return {
            get lastId() { return lastId; },
            close() { stopped = true; if (socket) socket.close(); },
        };
    }

    // A refresh that runs at most once per `waitMs`, however many events ask for it.
    function debounce(fn, waitMs) {
        let timer = null;
        return () => {
            if (timer) return;
            timer = window.setTimeout(() => { timer = null; fn(); }, waitMs);
        };
    }

    const WORKER_POLL_MS = 10000;

    // "Live" is only true while a task worker runs: without one nothing is answered, so the
    // status line says so instead, and follows the worker (polled) as it stops and starts.
    function showState(element, state, delay) {
        if (!element) return;
        element.dataset.connection = state;
        if (delay !== undefined) element.dataset.delay = delay;
        if (state === "live" && element.dataset.workerDown === "1") state = "worker-down";
        element.dataset.state = state;
        element.textContent = {
            connecting: "Connecting…",
            live: "Live: updates appear as they happen.",
            "worker-down": "Replies paused: the worker is not running.",
            reconnecting: `Reconnecting… (next try in ${Math.round((delay || 0) / 1000)} s)`,
            forbidden: "You may not watch live updates.",
        }[state];
        if (element.dataset.workerUrl && !element.dataset.watchingWorker) {
            element.dataset.watchingWorker = "1";
            window.setInterval(() => checkWorker(element), WORKER_POLL_MS);
        }
    }

    async function checkWorker(element) {
        try {
            const response = await fetch(element.dataset.workerUrl, { credentials: "same-origin" });
            if (!response.ok) return;
            const { running } = await response.json();
            element.dataset.workerDown = running ? "" : "1";
            const banner = document.getElementById("worker-down");
            if (banner) banner.hidden = running;
            showState(element, element.dataset.connection, Number(element.dataset.delay || 0));
        } catch (error) {
            // The server is down: the websocket's own state already says so.
        }
    }

    return { connect, debounce, showState };
})();
