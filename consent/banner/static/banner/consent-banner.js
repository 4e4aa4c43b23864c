/* consent-banner.js: the company's cookie banner, one script tag on any of its sites.
 *   <script src="https://PLATFORM/consent-banner.js" data-platform="https://PLATFORM" async></script>
 * Plain JavaScript, no dependencies, no build step. The page reads the visitor's choices from
 *   window.ConsentBanner.choices            {necessary, analytics, personalisation, advertising}
 *   window.ConsentBanner.onChange(fn)       fn(choices) now and after every change
 *   window.ConsentBanner.open()             shows the banner again (also: any [data-consent-banner-open])
 *   document "consent:change" event         event.detail.choices
 * and loads a tag only when its category is true. */
(function () {
  "use strict";
  if (window.ConsentBanner && window.ConsentBanner.open) return;
  var script = document.currentScript;
  var platform = ((script && script.getAttribute("data-platform")) || "").replace(/\/+$/, "");
  var STORE = "consentBanner.v1";
  var KEYS = ["analytics", "personalisation", "advertising"];
  var CSS =
    ".cb-root{position:fixed;z-index:2147483000;left:0;right:0;bottom:0;max-height:80vh;overflow:auto;box-sizing:border-box;" +
    "padding:1rem 1.25rem;background:#fff;color:#1b1b1b;border-top:2px solid #1b1b1b;box-shadow:0 -4px 18px rgba(0,0,0,.2);" +
    "font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;text-align:left}" +
    ".cb-root *{box-sizing:border-box}.cb-root[hidden],.cb-root [hidden]{display:none!important}" +
    ".cb-inner{max-width:60rem;margin:0 auto}.cb-root h2{font-size:1.2rem;margin:0 0 .4rem;color:inherit}" +
    ".cb-root p{margin:0 0 .6rem}.cb-root a{color:#0b4fb3;text-decoration:underline}" +
    ".cb-gpc{padding:.5rem .75rem;background:#eef6ee;border-left:4px solid #2e7d32}" +
    ".cb-cats{border:0;margin:0 0 .75rem;padding:0}.cb-cats legend{font-weight:600;padding:0;margin-bottom:.4rem}" +
    ".cb-cat{display:grid;grid-template-columns:auto 1fr;gap:.1rem .6rem;align-items:start;margin-bottom:.5rem}" +
    ".cb-cat input{width:1.2rem;height:1.2rem;margin:.15rem 0 0}.cb-cat label{font-weight:600}" +
    ".cb-cat p{grid-column:2;margin:0;font-size:.9rem;color:#444}" +
    ".cb-actions{display:flex;flex-wrap:wrap;gap:.6rem}" +
    ".cb-btn{flex:1 1 10rem;min-height:2.75rem;padding:.6rem 1rem;font:inherit;font-weight:600;cursor:pointer;" +
    "color:#fff;background:#1b1b1b;border:2px solid #1b1b1b;border-radius:4px}" +
    ".cb-btn:hover{background:#333}" +
    ".cb-root :focus-visible{outline:3px solid #0b4fb3;outline-offset:2px}";

  var listeners = [];
  var config = null;
  var root = null;
  var returnFocus = null;
  var gpcHonoured = false;
  var choices = { necessary: true, analytics: false, personalisation: false, advertising: false };
  var api = (window.ConsentBanner = {
    choices: copy(choices),
    onChange: function (fn) {
      listeners.push(fn);
      fn(copy(choices));
    },
    open: function () {
      whenConfig(show);
    },
  });

  function copy(o) {
    return JSON.parse(JSON.stringify(o));
  }

  function read() {
    try {
      return JSON.parse(localStorage.getItem(STORE) || "null");
    } catch (e) {
      return null;
    }
  }

  function remember(decided) {
    try {
      localStorage.setItem(STORE, JSON.stringify({ choices: choices, decided: decided }));
    } catch (e) {
      /* storage off: the server's answer still counts on the next visit */
    }
  }

  function apply(server) {
    KEYS.forEach(function (k) {
      choices[k] = server[k] === true;
    });
    api.choices = copy(choices);
    listeners.forEach(function (fn) {
      try {
        fn(copy(choices));
      } catch (e) {
        /* one broken listener must not stop the others */
      }
    });
    document.dispatchEvent(new CustomEvent("consent:change", { detail: { choices: copy(choices) } }));
  }

  function call(method, path, body) {
    var options = { method: method, credentials: "include", headers: { Accept: "application/json" } };
    if (body) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(platform + path, options).then(function (r) {
      if (!r.ok) throw new Error("consent-banner: " + path + " answered " + r.status);
      return r.json();
    });
  }

  var configWaiting = [];
  function whenConfig(fn) {
    if (config) return fn();
    configWaiting.push(fn);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function build() {
    var t = config.texts;
    var style = el("style");
    style.textContent = CSS;
    document.head.appendChild(style);
    root = el("div", {
      class: "cb-root",
      role: "dialog",
      "aria-modal": "true",
      "aria-labelledby": "cb-title",
      "aria-describedby": "cb-body",
      lang: config.language,
      tabindex: "-1",
      hidden: "",
    });
    var inner = el("div", { class: "cb-inner" });
    inner.appendChild(el("h2", { id: "cb-title" }, t.title));
    var body = el("p", { id: "cb-body" }, t.body + " ");
    var link = el("a", { href: config.policy_url, target: "_blank", rel: "noopener" }, t.policy_link);
    body.appendChild(link);
    inner.appendChild(body);
    inner.appendChild(el("p", { class: "cb-gpc", role: "status", hidden: "" }, t.gpc_honoured));
    var cats = el("fieldset", { class: "cb-cats", hidden: "" });
    cats.appendChild(el("legend", {}, t.categories_legend));
    config.categories.forEach(function (c) {
      var row = el("div", { class: "cb-cat" });
      var box = el("input", { type: "checkbox", id: "cb-" + c.key, name: c.key, "aria-describedby": "cb-d-" + c.key });
      if (c.required) {
        box.checked = true;
        box.disabled = true;
      }
      row.appendChild(box);
      row.appendChild(el("label", { for: "cb-" + c.key }, c.name + (c.required ? " (" + t.necessary_note + ")" : "")));
      row.appendChild(el("p", { id: "cb-d-" + c.key }, c.description));
      cats.appendChild(row);
    });
    inner.appendChild(cats);
    var actions = el("div", { class: "cb-actions" });
    // Accept and reject: the same element, class and size, side by side.
    [
      ["accept", t.accept_all],
      ["reject", t.reject_all],
      ["choose", t.choose],
    ].forEach(function (a) {
      actions.appendChild(el("button", { type: "button", class: "cb-btn", "data-cb": a[0] }, a[1]));
    });
    inner.appendChild(actions);
    root.appendChild(inner);
    root.addEventListener("click", onClick);
    root.addEventListener("keydown", onKey);
    document.body.appendChild(root);
  }

  function q(sel) {
    return root.querySelector(sel);
  }

  function show() {
    if (!root) build();
    KEYS.forEach(function (k) {
      var box = q("#cb-" + k);
      box.checked = choices[k];
      box.disabled = k === "advertising" && gpcHonoured;
    });
    q(".cb-gpc").hidden = !gpcHonoured;
    q(".cb-cats").hidden = true;
    q("[data-cb=choose]").textContent = config.texts.choose;
    if (root.hidden) returnFocus = document.activeElement;
    root.hidden = false;
    root.focus();
  }

  function hide() {
    root.hidden = true;
    if (returnFocus && returnFocus.focus && document.contains(returnFocus)) returnFocus.focus();
    returnFocus = null;
  }

  function submit(wanted) {
    var body = { choices: wanted, gpc: gpcSignal(), language: config.language };
    return call("POST", "/api/v1/banner/choices/", body).then(function (answer) {
      settle(answer);
      hide();
    });
  }

  function onClick(e) {
    var act = e.target.getAttribute && e.target.getAttribute("data-cb");
    if (!act) return;
    var wanted = {};
    if (act === "choose") {
      var cats = q(".cb-cats");
      if (cats.hidden) {
        cats.hidden = false;
        e.target.textContent = config.texts.save;
        q("#cb-analytics").focus();
        return;
      }
      KEYS.forEach(function (k) {
        wanted[k] = q("#cb-" + k).checked;
      });
    } else {
      KEYS.forEach(function (k) {
        wanted[k] = act === "accept";
      });
    }
    submit(wanted).catch(report);
  }

  function onKey(e) {
    if (e.key === "Escape") {
      // Closing without an answer records nothing; the banner asks again on the next page.
      e.preventDefault();
      hide();
      return;
    }
    if (e.key !== "Tab") return;
    var focusable = Array.prototype.filter.call(root.querySelectorAll("a[href],button,input"), function (n) {
      return !n.disabled && n.offsetParent !== null;
    });
    if (!focusable.length) return;
    var first = focusable[0];
    var last = focusable[focusable.length - 1];
    var at = document.activeElement;
    if (e.shiftKey && (at === first || at === root)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && at === last) {
      e.preventDefault();
      first.focus();
    }
  }

  function gpcSignal() {
    return navigator.globalPrivacyControl === true;
  }

  function settle(answer) {
    gpcHonoured = !!answer.gpc_honoured;
    apply(answer.choices);
    remember(!!answer.decided);
    return answer;
  }

  function report(err) {
    if (window.console) console.warn(err);
  }

  document.addEventListener("click", function (e) {
    var opener = e.target.closest && e.target.closest("[data-consent-banner-open]");
    if (opener) {
      e.preventDefault();
      api.open();
    }
  });

  var stored = read();
  if (stored && stored.choices) apply(stored.choices);

  var language = (navigator.languages && navigator.languages[0]) || navigator.language || "";
  var gotConfig = call("GET", "/api/v1/banner/config/?language=" + encodeURIComponent(language)).then(function (c) {
    config = c;
    return c;
  });
  var gotChoices = call("GET", "/api/v1/banner/choices/").then(function (answer) {
    // A GPC signal (header or navigator) not yet recorded: record it without asking.
    if ((answer.gpc_signal || gpcSignal()) && !answer.gpc_honoured) {
      return call("POST", "/api/v1/banner/choices/", { choices: {}, gpc: true, language: language });
    }
    return answer;
  });
  Promise.all([gotConfig, gotChoices])
    .then(function (both) {
      var answer = both[1];
      var keep = !answer.decided && stored && stored.decided;
      if (keep) {
        // The visitor cookie was blocked or lost: the site's own memory of the decision stands.
        gpcHonoured = !!answer.gpc_honoured;
        apply({ analytics: stored.choices.analytics, personalisation: stored.choices.personalisation,
          advertising: stored.choices.advertising && !gpcHonoured });
      } else {
        settle(answer);
      }
      var ready = function () {
        configWaiting.splice(0).forEach(function (fn) {
          fn();
        });
        // The server's record first; the site's own memory when the visitor cookie is blocked.
        if (!answer.decided && !keep) show();
      };
      if (document.body) ready();
      else document.addEventListener("DOMContentLoaded", ready);
    })
    .catch(report);
})();
