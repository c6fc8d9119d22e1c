// The dashboard applies live events in place: a conversation with a new message moves to
// the top, ticks change, counters and the incomplete-profile groups refresh themselves.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("dashboard");
    if (!root) return;
    const status = document.getElementById("live-status");
    const rows = () => document.getElementById("conversation-rows");

    async function refresh(part) {
        const response = await fetch(`${root.dataset.partsUrl}?part=${part}`, {
            credentials: "same-origin",
            headers: { "X-Requested-With": "fetch" },
        });
        if (response.ok) {
            document.querySelector(`[data-part="${part}"]`).innerHTML = await response.text();
        }
    }
    const refreshCounters = BackofficeLive.debounce(() => refresh("counters"), 500);
    const refreshIncomplete = BackofficeLive.debounce(() => refresh("incomplete"), 1000);
    const refreshAll = () => ["counters", "incomplete", "conversations"].forEach(refresh);

    function cell(className, text) {
        const td = document.createElement("td");
        td.className = className;
        td.textContent = text;
        return td;
    }

    function upsertRow(conversation, message) {
        const body = rows();
        body.querySelector("tr.empty")?.remove();
        body.querySelector(`tr[data-conversation-id="${conversation.id}"]`)?.remove();
        const row = document.createElement("tr");
        row.dataset.conversationId = conversation.id;
        row.dataset.lastMessageId = message.message_id;
        row.className = "live-new";
        const lead = document.createElement("td");
        const link = document.createElement("a");
        link.href = conversation.url;
        link.textContent = conversation.label;
        lead.append(link);
        const last = cell("last-message", "");
        last.dir = "auto";
        last.append(
            Object.assign(document.createElement("span"), {
                className: "direction", textContent: message.direction === "out" ? "↩ " : "",
            }),
            Object.assign(document.createElement("span"), {
                className: "text",
                textContent: message.revoked ? "This message was deleted" : (message.text || "—"),
            }),
            " ",
            Object.assign(document.createElement("span"), {
                className: "tick help", textContent: message.direction === "out" ? message.status : "",
            }),
        );
        const when = cell("when", "");
        const time = document.createElement("time");
        time.dateTime = message.timestamp;
        time.textContent = new Date(message.timestamp).toTimeString().slice(0, 5);
        when.append(time);
        row.append(lead, last, when, cell("unanswered", conversation.unanswered),
                   cell("handoff", conversation.handoff_label));
        body.prepend(row);
    }

    function apply(event) {
        switch (event.kind) {
            case "message":
                upsertRow(event.conversation, event.message);
                refreshCounters();
                break;
            case "status": {
                const row = rows().querySelector(`tr[data-last-message-id="${event.message.message_id}"]`);
                if (row) row.querySelector(".tick").textContent = event.message.status;
                break;
            }
            case "message_changed": {
                // An edit or deletion: only the row whose last message it is shows it.
                const row = rows().querySelector(`tr[data-last-message-id="${event.message.message_id}"]`);
                if (row) {
                    row.querySelector(".text").textContent = event.message.revoked
                        ? "This message was deleted" : (event.message.text || "—");
                }
                break;
            }
            case "handoff": {
                const row = rows().querySelector(`tr[data-conversation-id="${event.conversation.id}"]`);
                if (row) {
                    row.querySelector(".handoff").textContent = event.conversation.handoff_label;
                    row.querySelector(".unanswered").textContent = event.conversation.unanswered;
                }
                break;
            }
            case "profile":
                refreshIncomplete();
                refreshCounters();
                break;
            case "draft":
                refreshCounters();
                break;
            case "resync":
                refreshAll();
                break;
        }
    }

    BackofficeLive.connect({
        since: root.dataset.lastEventId,
        path: root.dataset.socketPath,
        onEvent: apply,
        onState: (state, delay) => BackofficeLive.showState(status, state, delay),
        onReconnect: refreshAll,
    });
});
