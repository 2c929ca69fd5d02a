// console.js drives a case page's transitions through the JSON API that
// package registry/httpapi serves under /api/: it lists the transitions
// (GET /api/cases/{id}/transitions), draws a form from the JSON Schema of
// a transition's input, posts it (POST /api/cases/{id}/transitions/{name},
// with a fresh Idempotency-Key), shows the API's problems, and refreshes
// the case's state, its buttons and its timeline
// (GET /cases/{id}.json, GET /api/cases/{id}/history).
// Plain JavaScript, no framework, no build step.
"use strict";

(function () {
  const page = document.getElementById("case");
  if (!page) {
    return; // not a case page
  }
  const id = page.dataset.caseId;
  const api = "/api/cases/" + encodeURIComponent(id);
  const stateTitles = JSON.parse(document.getElementById("state-titles").textContent);
  const transitionsEl = document.getElementById("transitions");
  const formSlot = document.getElementById("form-slot");
  const errorEl = document.getElementById("error");
  const timelineEl = document.getElementById("timeline");

  // listing holds the transitions as the API last listed them, by name.
  let listing = new Map();
  let busy = false;

  // el makes an element with attributes and children (strings become text).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) {
        continue;
      }
      e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c !== null && c !== undefined) {
        e.append(c);
      }
    }
    return e;
  }

  // A Problem is an RFC 9457 problem the API answered with.
  class Problem extends Error {
    constructor(body, status) {
      super((body && body.detail) || "the request failed with status " + status);
      this.body = body || {};
      this.status = status;
    }
  }

  // request fetches url and returns its JSON body, or throws a Problem.
  async function request(url, options) {
    let res;
    try {
      res = await fetch(url, Object.assign({ credentials: "same-origin", cache: "no-store" }, options));
    } catch (err) {
      throw new Problem({ detail: "the server could not be reached: " + err.message }, 0);
    }
    const type = res.headers.get("Content-Type") || "";
    const body = type.includes("json") ? await res.json().catch(() => null) : null;
    if (!res.ok) {
      throw new Problem(body, res.status);
    }
    return body;
  }

  // newKey returns a fresh Idempotency-Key: 128 random bits, in hex.
  function newKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // showError shows a problem: its detail, and every field error, also next
  // to its input when the form is open.
  function showError(problem) {
    errorEl.replaceChildren(problem.message || String(problem));
    const fields = (problem.body && problem.body.errors) || [];
    if (fields.length > 0) {
      errorEl.append(el("ul", {}, ...fields.map((f) => el("li", {}, (f.field ? f.field.slice(1) + ": " : "") + f.message))));
    }
    for (const f of fields) {
      const slot = formSlot.querySelector('.field-error[data-field="' + CSS.escape(f.field.slice(1)) + '"]');
      if (slot) {
        slot.textContent = f.message;
      }
    }
    errorEl.hidden = false;
  }

  function clearError() {
    errorEl.replaceChildren();
    errorEl.hidden = true;
    for (const slot of formSlot.querySelectorAll(".field-error")) {
      slot.textContent = "";
    }
  }

  // renderTransitions draws a button per transition, disabled with its
  // reasons when it is not available, as the server renders them.
  function renderTransitions(list) {
    listing = new Map(list.transitions.map((t) => [t.name, t]));
    transitionsEl.replaceChildren(
      ...list.transitions.map((t) => {
        const reasons = (t.reasons || []).map((r) => r.message).join("; ");
        return el(
          "div",
          { class: "transition" },
          el("button", { type: "button", "data-transition": t.name, disabled: !t.available }, t.title),
          " ",
          el("span", { class: "reasons", "data-for": t.name }, reasons),
        );
      }),
    );
  }

  // renderForm draws the form of a transition's input from its JSON
  // Schema: a labelled input per property, with the schema's rules as
  // attributes. The form does not stop on them (novalidate): the server
  // checks the same schema, and its answer is shown.
  function renderForm(t) {
    const schema = t.schema || {};
    const required = new Set(schema.required || []);
    const form = el("form", { "data-form": t.name, novalidate: true }, el("h3", {}, t.title));
    for (const [name, prop] of Object.entries(schema.properties || {})) {
      const input = el("input", { name: name, id: "field-" + t.name + "-" + name });
      switch (prop.type) {
        case "integer":
        case "number":
          input.type = "number";
          if (prop.type === "integer") {
            input.step = "1";
          }
          if (prop.minimum !== undefined) input.min = prop.minimum;
          if (prop.maximum !== undefined) input.max = prop.maximum;
          break;
        case "boolean":
          input.type = "checkbox";
          break;
        default:
          input.type = "text";
          if (prop.minLength !== undefined) input.minLength = prop.minLength;
          if (prop.maxLength !== undefined) input.maxLength = prop.maxLength;
          if (prop.pattern !== undefined) input.pattern = prop.pattern;
      }
      input.required = required.has(name);
      form.append(
        el(
          "label",
          { for: input.id },
          prop.title || name,
          prop.description ? el("span", { class: "help" }, prop.description) : null,
          input,
          el("span", { class: "field-error", "data-field": name }),
        ),
      );
    }
    const cancel = el("button", { type: "button", class: "secondary" }, "Cancel");
    cancel.addEventListener("click", () => {
      formSlot.replaceChildren();
      clearError();
    });
    form.append(el("div", { class: "actions" }, el("button", { type: "submit" }, t.title), cancel));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      fire(t, valuesOf(form, schema));
    });
    formSlot.replaceChildren(form);
    const first = form.querySelector("input");
    if (first) {
      first.focus();
    }
  }

  // valuesOf reads a form's inputs as the JSON its schema describes.
  function valuesOf(form, schema) {
    const body = {};
    const required = new Set(schema.required || []);
    for (const [name, prop] of Object.entries(schema.properties || {})) {
      const input = form.elements.namedItem(name);
      if (prop.type === "boolean") {
        body[name] = input.checked;
      } else if (input.value === "" && !required.has(name)) {
        continue; // an optional field left empty is left out
      } else if (prop.type === "integer" || prop.type === "number") {
        body[name] = input.value === "" ? null : Number(input.value);
      } else {
        body[name] = input.value;
      }
    }
    return body;
  }

  // fire posts a transition with its input, then refreshes the page.
  async function fire(t, body) {
    if (busy) {
      return;
    }
    busy = true;
    clearError();
    const headers = { "Content-Type": "application/json", "Idempotency-Key": newKey() };
    if (t.plan) {
      headers["If-Match"] = '"' + t.plan.digest + '"'; // apply only the plan the person confirmed
    }
    try {
      await request(api + "/transitions/" + encodeURIComponent(t.name), {
        method: "POST",
        headers: headers,
        body: JSON.stringify(body),
      });
      formSlot.replaceChildren();
      await refresh();
    } catch (err) {
      if (!(err instanceof Problem)) {
        throw err;
      }
      await refresh().catch(() => {}); // the buttons may have changed meanwhile; the form stays
      showError(err);
    } finally {
      busy = false;
    }
  }

  // confirmPlan asks the person to confirm a chain's plan, if it has one.
  function confirmPlan(t) {
    if (!t.plan) {
      return true;
    }
    const steps = t.plan.steps.map((s) => "• " + s.transition + " " + s.machine + " " + s.object);
    if (t.plan.total > t.plan.steps.length) {
      steps.push("… " + (t.plan.total - t.plan.steps.length) + " more");
    }
    return window.confirm(t.title + " will apply:\n" + steps.join("\n"));
  }

  transitionsEl.addEventListener("click", async (ev) => {
    const button = ev.target.closest("button[data-transition]");
    if (!button || button.disabled) {
      return;
    }
    if (listing.size === 0) {
      await refreshTransitions().catch(showError);
    }
    const t = listing.get(button.dataset.transition);
    if (!t) {
      return;
    }
    clearError();
    if (t.needs_input) {
      renderForm(t);
    } else if (confirmPlan(t)) {
      formSlot.replaceChildren();
      fire(t, {});
    }
  });

  async function refreshTransitions() {
    renderTransitions(await request(api + "/transitions"));
  }

  // refreshCase re-reads the case, for its state and facts.
  async function refreshCase() {
    const c = await request("/cases/" + encodeURIComponent(id) + ".json");
    document.getElementById("case-state").textContent = c.state.title;
    document.getElementById("case-overdue").hidden = !c.overdue;
    document.getElementById("case-assigned").textContent = c.assigned_to || "—";
    document.getElementById("case-due").textContent = c.due;
    document.getElementById("case-note").textContent = c.note || "—";
  }

  // formatTime shows a time as the server does: "2026-11-30 09:01 UTC".
  function formatTime(iso) {
    const d = new Date(iso);
    const p = (n) => String(n).padStart(2, "0");
    return d.getUTCFullYear() + "-" + p(d.getUTCMonth() + 1) + "-" + p(d.getUTCDate()) + " " + p(d.getUTCHours()) + ":" + p(d.getUTCMinutes()) + " UTC";
  }

  // inputText shows a transition's input as "key: value" pairs, in key order.
  function inputText(input) {
    if (!input || typeof input !== "object") {
      return "";
    }
    return Object.keys(input)
      .sort()
      .map((k) => k + ": " + input[k])
      .join("; ");
  }

  // refreshTimeline re-reads the case's history: a list item per row.
  async function refreshTimeline() {
    const history = await request(api + "/history");
    timelineEl.replaceChildren(
      ...history.records.map((r) => {
        const title = listing.has(r.transition) ? listing.get(r.transition).title : r.transition;
        const input = inputText(r.input);
        return el(
          "li",
          {},
          el("span", { class: "what" }, title),
          " ",
          el("span", { class: "move" }, (stateTitles[r.from] || r.from || "(none)") + " → " + (stateTitles[r.to] || r.to)),
          " ",
          el("span", { class: "actor" }, "by " + r.actor),
          " ",
          el("time", { datetime: new Date(r.at).toISOString().replace(/\.000Z$/, "Z") }, formatTime(r.at)),
          input ? " " : null,
          input ? el("span", { class: "input" }, input) : null,
        );
      }),
    );
  }

  async function refresh() {
    await refreshTransitions(); // first: the timeline shows the transitions' titles
    await Promise.all([refreshCase(), refreshTimeline()]);
  }

  // The server drew the buttons; the listing adds the forms' schemas.
  refreshTransitions().catch(showError);
})();
