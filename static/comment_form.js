/* The comment form: what the reader types is kept in sessionStorage (this tab
 * only, gone when it closes) until the server says the comment was posted, and
 * put back into an empty form; a counter shows the characters left near the
 * limit. The form works fully without this file; it only adds to it. */
(function () {
  'use strict';
  var form = document.getElementById('comment-form');
  var text = document.getElementById('comment-body');
  if (!form || !text) {
    return;
  }
  var counter = document.getElementById('comment-counter');
  var max = parseInt(text.dataset.maxLength, 10) || 0;
  var key = 'stet:draft:' + (form.dataset.story || '') + ':' + (form.dataset.parent || '0');
  var PENDING = 'stet:draft-pending';
  /* Shown from this share of the limit on. */
  var NEAR = 0.8;

  function storage() {
    try {
      return window.sessionStorage;
    } catch (e) {
      return null; /* storage off: the form still works */
    }
  }

  function get(k) {
    var s = storage();
    try {
      return s ? s.getItem(k) : null;
    } catch (e) {
      return null;
    }
  }

  function put(k, v) {
    var s = storage();
    try {
      if (s && v) {
        s.setItem(k, v);
      } else if (s) {
        s.removeItem(k);
      }
    } catch (e) {
      /* full or refused: the text is still in the form */
    }
  }

  /* Characters as the server counts them: code points of the trimmed text, a line
   * break (sent as CRLF) counting once. */
  function length(v) {
    return Array.from(v.replace(/\r\n/g, '\n').trim()).length;
  }

  function grouped(n) {
    return n.toLocaleString('en-US');
  }

  function count() {
    if (!counter || max <= 0) {
      return;
    }
    var n = length(text.value);
    counter.classList.toggle('over', n > max);
    if (n > max) {
      counter.textContent = grouped(n - max) + ' characters too many: the limit is ' +
        grouped(max) + '.';
    } else if (n >= max * NEAR) {
      counter.textContent = grouped(max - n) + ' characters left.';
    } else {
      counter.textContent = '';
    }
  }

  /* The page after a successful post carries data-posted: the text sent last is
   * safe, its draft can go. A page that shows the form again keeps it. */
  var pending = get(PENDING);
  if (pending) {
    if (form.dataset.posted === '1') {
      put(pending, null);
    }
    put(PENDING, null);
  }

  var saved = get(key);
  if (saved && text.value === '') {
    text.value = saved;
    var note = document.createElement('p');
    note.className = 'draft-restored';
    note.id = 'comment-draft-restored';
    note.textContent = 'Your unsent comment was restored.';
    text.parentNode.insertBefore(note, text.nextSibling);
  } else if (text.value !== '') {
    put(key, text.value); /* a form shown again by the server: keep that text */
  }
  count();

  text.addEventListener('input', function () {
    put(key, text.value);
    count();
  });
  form.addEventListener('submit', function () {
    put(key, text.value);
    put(PENDING, key);
  });

  /* Where autofocus is not honoured: the reader lands on the error summary. The
   * page's address ends in #comment-form, and Chromium scrolls to that fragment
   * and clears the focus once the page has loaded, after this script ran: the
   * summary takes it back then. */
  var summary = document.getElementById('comment-error');
  function focusSummary() {
    if (summary && document.activeElement !== summary) {
      summary.focus();
    }
  }
  focusSummary();
  window.addEventListener('load', function () {
    window.setTimeout(focusSummary, 0);
  });
}());
