// Confirmation steps as a dialog (issue #12). A link marked `data-confirm` leads to a
// confirmation page that says what an irreversible step will do; with this script the page's
// `<article class="confirmation">` opens in a modal <dialog> over the current page instead. The
// dialog's form posts exactly as the page's would (same CSRF token, same server checks), and
// "Annuleren" or Escape closes it. Without the script, or without <dialog>, the link simply opens
// the confirmation page, which works on its own.
(function () {
  "use strict";
  if (typeof HTMLDialogElement !== "function" || !window.fetch || !window.DOMParser) {
    return;
  }

  function plainClick(event) {
    return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
  }

  async function confirmation(href) {
    const response = await fetch(href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    // A redirect means the step is not possible now (already decided, no next period): the page
    // itself says why, so let the browser go there.
    if (!response.ok || response.redirected) {
      return null;
    }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    return page.querySelector("article.confirmation");
  }

  function open(article, link) {
    const dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    const content = document.importNode(article, true);
    // The page's own <h1> stays the page's; in the dialog the question is its title.
    const h1 = content.querySelector("h1");
    const title = document.createElement("h2");
    title.id = "bevestiging-titel";
    title.tabIndex = -1;
    title.textContent = h1 ? h1.textContent : link.textContent;
    if (h1) {
      h1.replaceWith(title);
    } else {
      content.prepend(title);
    }
    dialog.setAttribute("aria-labelledby", title.id);
    dialog.appendChild(content);
    content.querySelectorAll("a.cancel").forEach(function (cancel) {
      cancel.addEventListener("click", function (event) {
        event.preventDefault();
        dialog.close();
      });
    });
    dialog.addEventListener("close", function () {
      dialog.remove();
      link.focus();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    // The question first, not the button that acts.
    title.focus();
  }

  document.addEventListener("click", async function (event) {
    const link = event.target instanceof Element ? event.target.closest("a[data-confirm]") : null;
    if (!link || event.defaultPrevented || !plainClick(event)) {
      return;
    }
    event.preventDefault();
    let article = null;
    try {
      article = await confirmation(link.href);
    } catch (_) {
      article = null;
    }
    if (article) {
      open(article, link);
    } else {
      window.location.assign(link.href);
    }
  });
})();
