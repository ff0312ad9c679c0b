/* A comment's actions in place. Every comment on a logged-in reader's story page
 * carries one "Actions" link to /comments/ID, a page listing what this reader may
 * do (Edit, Delete, Report, Moderate), each a form page that works without
 * JavaScript. This script opens that list inside the comment, and each action's
 * form there too: it fetches the action's page, takes its <form> (the CSRF token
 * with it), shows it in the comment and posts it with fetch, urlencoded, as the
 * browser would have. The server answers a success with 303 to where the reader
 * would land; the script reads the change from that page and hands it to live.js
 * (the "stet:updated" and "stet:removed" events), which applies each change once:
 * the same change arriving later on the live stream finds nothing left to do. An
 * error shows the page's own message in the form, with what was typed kept. No
 * JSON API: it takes Bearer tokens only. The page works fully without this file. */
(function () {
  'use strict';
  var section = document.getElementById('comments');
  if (!section || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  /* What happened, said once: a polite region of its own, made now so that screen
   * readers know it before it speaks. */
  var status = document.createElement('p');
  status.className = 'visually-hidden';
  status.setAttribute('role', 'status');
  section.appendChild(status);

  /* Emptied first, so that the same words twice are announced twice. */
  function say(text) {
    status.textContent = '';
    window.setTimeout(function () {
      status.textContent = text;
    }, 50);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function directChild(parent, className) {
    for (var i = 0; i < parent.children.length; i++) {
      if (parent.children[i].classList.contains(className)) {
        return parent.children[i];
      }
    }
    return null;
  }

  /* A fetched page as a document; its scripts never run. */
  function parse(text) {
    return new DOMParser().parseFromString(text, 'text/html');
  }

  /* The message a page of stet's gives for a refusal: a form's error, or an error
   * page's own text. */
  function messageOf(doc, fallback) {
    var picks = ['.form-error', '.error-page h1', '.comment-action-none'];
    for (var i = 0; i < picks.length; i++) {
      var node = doc.querySelector(picks[i]);
      if (node && node.textContent.trim()) {
        return node.textContent.trim();
      }
    }
    return fallback;
  }

  function fetchPage(url, options) {
    var opts = options || {};
    opts.credentials = 'same-origin';
    opts.headers = opts.headers || {};
    return window.fetch(url, opts).then(function (res) {
      return res.text().then(function (text) {
        return {res: res, doc: parse(text)};
      });
    });
  }

  function panelOf(article) {
    return directChild(article, 'comment-panel');
  }

  function actionsLink(article) {
    var p = directChild(article, 'comment-actions');
    return p ? p.querySelector('a.comment-more') : null;
  }

  /* Closes the comment's open list or form, back to its Actions link. */
  function close(article, focus) {
    var panel = panelOf(article);
    if (panel) {
      panel.remove();
    }
    var link = actionsLink(article);
    if (link) {
      link.setAttribute('aria-expanded', 'false');
      if (focus) {
        link.focus();
      }
    }
  }

  /* The panel under the comment's links, emptied, with `label` naming it. */
  function openPanel(article, label) {
    var panel = panelOf(article);
    if (!panel) {
      panel = el('div', 'comment-panel');
      panel.id = article.id + '-panel';
      var links = directChild(article, 'comment-actions');
      article.insertBefore(panel, links ? links.nextSibling : null);
    }
    panel.textContent = '';
    panel.setAttribute('role', 'group');
    panel.setAttribute('aria-label', label);
    var link = actionsLink(article);
    if (link) {
      link.setAttribute('aria-expanded', 'true');
      link.setAttribute('aria-controls', panel.id);
    }
    return panel;
  }

  function showError(panel, text) {
    var old = panel.querySelector('.comment-panel-error');
    if (old) {
      old.remove();
    }
    var p = el('p', 'form-error comment-panel-error', text);
    p.setAttribute('role', 'alert');
    panel.insertBefore(p, panel.firstChild);
  }

  /* The list of what the reader may do, from the Actions page. */
  function openList(article, link) {
    if (panelOf(article) && link.getAttribute('aria-expanded') === 'true') {
      close(article, true);
      return;
    }
    var panel = openPanel(article, 'Actions');
    panel.appendChild(el('p', 'comment-panel-wait', 'Loading\u2026'));
    fetchPage(link.href).then(function (page) {
      panel.textContent = '';
      var list = page.res.ok ? page.doc.querySelector('ul.comment-action-list') : null;
      if (!list) {
        showError(panel, messageOf(page.doc, 'There is nothing you can do with this comment.'));
        panel.appendChild(cancelButton(article, 'Close'));
        return;
      }
      var ul = el('ul', 'comment-action-list');
      Array.prototype.forEach.call(list.querySelectorAll('a'), function (a) {
        var li = el('li');
        var item = el('a', a.className, a.textContent);
        item.href = a.getAttribute('href');
        item.dataset.action = a.className.replace('comment-', '');
        /* The same description as the Actions link: whose comment. */
        item.setAttribute('aria-describedby', link.getAttribute('aria-describedby') || '');
        li.appendChild(item);
        ul.appendChild(li);
      });
      panel.appendChild(ul);
      var first = ul.querySelector('a');
      if (first) {
        first.focus();
      }
    }, function () {
      panel.textContent = '';
      showError(panel, 'The server cannot be reached. Try again in a moment.');
    });
  }

  function cancelButton(article, text) {
    var b = el('button', 'comment-panel-cancel', text || 'Cancel');
    b.type = 'button';
    b.addEventListener('click', function () {
      close(article, true);
    });
    return b;
  }

  /* The ids of a form taken from another page, made unique on this one: the edit
   * form's "comment-form" and "comment-body" are the story page's own. */
  function reid(form, prefix) {
    var attrs = ['for', 'aria-describedby', 'aria-labelledby', 'aria-controls'];
    Array.prototype.forEach.call(form.querySelectorAll('*'), function (node) {
      if (node.id) {
        node.id = prefix + node.id;
      }
      attrs.forEach(function (name) {
        var v = node.getAttribute(name);
        if (v) {
          node.setAttribute(name, v.split(/\s+/).map(function (t) {
            return t ? prefix + t : t;
          }).join(' '));
        }
      });
      node.removeAttribute('autofocus');
    });
    form.removeAttribute('id');
  }

  /* The forms an action's page offers for it: a moderator's page has several (and
   * the story's open/close, which is not about this comment). */
  function formsOf(doc, action) {
    if (action === 'moderate') {
      return Array.prototype.slice.call(doc.querySelectorAll(
        'form.mod-approve, form.mod-reject, form.mod-delete'));
    }
    /* The page's own form, not the header's (Log out). */
    var form = doc.querySelector('.comment-action-page form[method="post"]');
    return form ? [form] : [];
  }

  var TITLES = {
    edit: 'Edit your comment', delete: 'Delete this comment', report: 'Report this comment',
    moderate: 'Moderate this comment'
  };

  /* One action's form, fetched from its page and shown in the comment. */
  function openAction(article, a) {
    var action = a.dataset.action;
    var panel = openPanel(article, TITLES[action] || a.textContent);
    panel.appendChild(el('p', 'comment-panel-wait', 'Loading\u2026'));
    fetchPage(a.href).then(function (page) {
      panel.textContent = '';
      var forms = page.res.ok ? formsOf(page.doc, action) : [];
      if (!forms.length) {
        showError(panel, messageOf(page.doc, 'This cannot be done now.'));
        panel.appendChild(cancelButton(article, 'Close'));
        return;
      }
      /* The question the page asks ("Delete your comment?"), as the group's heading. */
      var question = page.doc.querySelector('h1');
      if (action === 'delete' && question) {
        panel.appendChild(el('p', 'comment-panel-question', question.textContent));
      }
      forms.forEach(function (f) {
        var form = document.importNode(f, true);
        reid(form, article.id + '-');
        form.action = f.getAttribute('action');
        Array.prototype.forEach.call(form.querySelectorAll('a.form-cancel'), function (c) {
          c.replaceWith(cancelButton(article));
        });
        form.addEventListener('submit', function (ev) {
          ev.preventDefault();
          submit(article, action, form, ev.submitter);
        });
        panel.appendChild(form);
      });
      if (!panel.querySelector('.comment-panel-cancel')) {
        panel.appendChild(cancelButton(article));
      }
      var first = panel.querySelector('textarea, input[type="text"], button[type="submit"]');
      if (first) {
        first.focus();
      }
    }, function () {
      panel.textContent = '';
      showError(panel, 'The server cannot be reached. Try again in a moment.');
    });
  }

  /* Hands a change to live.js, which applies it as it would the live stream's; when
   * no live.js took it (no EventSource), the plainest version is done here. */
  function tell(type, detail, fallback) {
    var ev = new CustomEvent(type, {detail: detail, cancelable: true});
    if (section.dispatchEvent(ev)) {
      fallback();
    }
  }

  /* What the page the server landed on says of the comment now. */
  function applied(article, action, form, page) {
    var id = parseInt(article.dataset.id, 10);
    var flash = page.doc.getElementById('flash');
    var notice = flash ? flash.textContent.trim() : 'Done.';
    var now = page.doc.getElementById(article.id);
    var leaves = action === 'delete' || /\/(reject|delete)$/.test(form.getAttribute('action')) ||
      (action === 'edit' && !now);
    if (leaves) {
      close(article, false);
      tell('stet:removed', {id: id}, function () {
        article.remove();
      });
    } else if (action === 'edit' && now) {
      var body = directChild(now, 'comment-body');
      var mark = now.querySelector('.comment-meta > .comment-edited');
      close(article, true);
      var c = {id: id, body_html: body ? body.innerHTML : '',
        edited_at: mark ? mark.getAttribute('datetime') : null};
      tell('stet:updated', c, function () {
        var old = directChild(article, 'comment-body');
        if (old && body) {
          old.innerHTML = body.innerHTML;
        }
      });
    } else {
      close(article, true);
    }
    say(notice);
  }

  function submit(article, action, form, submitter) {
    var data = new URLSearchParams(new FormData(form));
    var buttons = form.querySelectorAll('button');
    Array.prototype.forEach.call(buttons, function (b) {
      b.disabled = true;
    });
    function done() {
      Array.prototype.forEach.call(buttons, function (b) {
        b.disabled = false;
      });
    }
    fetchPage(form.action, {
      method: 'POST',
      body: data.toString(),
      headers: {'Content-Type': 'application/x-www-form-urlencoded'}
    }).then(function (page) {
      done();
      if (page.res.ok && page.res.redirected) {
        applied(article, action, form, page);
        return;
      }
      /* Refused: the page's reason; the form and its text stay, with the fresh
       * token the answer carries. */
      var panel = panelOf(article);
      var token = page.doc.querySelector('input[name="csrf"]');
      var mine = form.querySelector('input[name="csrf"]');
      if (token && mine) {
        mine.value = token.value;
      }
      if (panel) {
        showError(panel, messageOf(page.doc, 'That did not work. Your text is kept.'));
      }
      (submitter || form.querySelector('textarea, input[type="text"]') || form).focus();
    }, function () {
      done();
      var panel = panelOf(article);
      if (panel) {
        showError(panel, 'The server cannot be reached, so nothing was changed. Your text is ' +
          'kept: try again in a moment.');
      }
    });
  }

  section.addEventListener('click', function (ev) {
    var a = ev.target.closest ? ev.target.closest('a') : null;
    if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) {
      return;
    }
    var article = a.closest('article.comment');
    if (!article) {
      return;
    }
    if (a.classList.contains('comment-more') && a.parentElement === directChild(article, 'comment-actions')) {
      ev.preventDefault();
      openList(article, a);
    } else if (a.dataset.action && a.closest('.comment-panel') === panelOf(article)) {
      ev.preventDefault();
      openAction(article, a);
    }
  });

  section.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Escape') {
      return;
    }
    var panel = ev.target.closest ? ev.target.closest('.comment-panel') : null;
    if (panel) {
      close(panel.parentElement, true);
    }
  });
}());
