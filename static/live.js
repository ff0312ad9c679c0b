/* Live comments and relative times. Comments posted while the page is open appear in
 * place, marked "New", the count follows and one polite live region says how many
 * have arrived since the page loaded ("2 new comments"), once per burst; on an
 * earlier page of a long story they are counted and linked instead. An edited
 * comment shows its new text and the "edited" mark; a removed one (rejected, held,
 * deleted) leaves the page, its replies moving to the top level as the server would
 * place them, and the burst's message says so ("1 comment removed"). A deleted one
 * with replies turns into its "comment deleted" placeholder in place, replies and
 * all, and leaves the count. Comment times
 * the server wrote as a date and time of day in the site's zone become "5 min ago",
 * "2 h ago", "yesterday", kept fresh. The page works fully without this file; it
 * only adds to it. */
(function () {
  'use strict';
  var section = document.getElementById('comments');
  if (!section) {
    return;
  }
  var MAX_DEPTH = 5;
  /* New comments are announced together once the events pause this long. */
  var ANNOUNCE_DELAY_MS = 1500;
  var REFRESH_MS = 30000;
  var story = document.querySelector('article.story');
  var slug = story ? story.dataset.slug : '';
  var zone = section.dataset.tz || 'UTC';
  var dayFormat = formatter({year: 'numeric', month: '2-digit', day: '2-digit'});
  var shortFormat = formatter({
    day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
    hourCycle: 'h23'
  });
  var fullFormat = formatter({
    weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit',
    minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short'
  });

  /* A formatter for the site's zone, or for UTC where the browser lacks that zone. */
  function formatter(options) {
    options.timeZone = zone;
    try {
      return new Intl.DateTimeFormat('en-GB', options);
    } catch (e) {
      options.timeZone = 'UTC';
      return new Intl.DateTimeFormat('en-GB', options);
    }
  }

  function parts(format, date) {
    var out = {};
    format.formatToParts(date).forEach(function (p) {
      out[p.type] = p.value;
    });
    return out;
  }

  /* The calendar day of `date` in the site's zone, as a day number. */
  function dayNumber(date) {
    var p = parts(dayFormat, date);
    return Date.UTC(+p.year, +p.month - 1, +p.day) / 86400000;
  }

  /* The server's forms, for comments that arrive live: "5 Dec 2026, 14:03" and
   * "Saturday 5 December 2026, 14:03 CET". */
  function shortDate(date) {
    var p = parts(shortFormat, date);
    return p.day + ' ' + p.month + ' ' + p.year + ', ' + p.hour + ':' + p.minute;
  }

  function fullDate(date) {
    var p = parts(fullFormat, date);
    return p.weekday + ' ' + p.day + ' ' + p.month + ' ' + p.year + ', ' + p.hour + ':' +
      p.minute + (p.timeZoneName ? ' ' + p.timeZoneName : '');
  }

  /* The text for a time: relative within a day or two, else the server's date. */
  function relative(date, now, absolute) {
    var s = Math.floor((now - date) / 1000);
    if (s < 60) {
      return 'just now'; /* also a little in the future: clocks differ */
    }
    if (s < 3600) {
      return Math.floor(s / 60) + ' min ago';
    }
    if (s < 86400) {
      return Math.floor(s / 3600) + ' h ago';
    }
    if (dayNumber(now) - dayNumber(date) === 1) {
      return 'yesterday';
    }
    return absolute;
  }

  function refreshTimes() {
    var now = new Date();
    var times = section.querySelectorAll('time.comment-time');
    for (var i = 0; i < times.length; i++) {
      var t = times[i];
      var date = new Date(t.getAttribute('datetime'));
      if (isNaN(date.getTime())) {
        continue;
      }
      if (t.dataset.absolute === undefined) {
        t.dataset.absolute = t.textContent;
      }
      var text = relative(date, now, t.dataset.absolute);
      if (t.textContent !== text) {
        t.textContent = text;
      }
    }
  }

  refreshTimes();
  window.setInterval(refreshTimes, REFRESH_MS);
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) {
      refreshTimes();
    }
  });

  if (!window.EventSource || !section.dataset.events) {
    return;
  }

  var live = document.getElementById('comments-live');
  var arrived = 0;
  var elsewhere = {}; /* of those, the ids of the ones that belong on a later page */
  var newInBurst = false;
  var removedInBurst = 0;
  var announceTimer = null;

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

  function setCount(n) {
    section.dataset.count = String(n);
    var spans = section.querySelectorAll('.comment-count');
    for (var i = 0; i < spans.length; i++) {
      spans[i].textContent = String(n);
    }
  }

  /* One message for a burst of events, not one per comment: all the comments that
   * are marked "New" on the page, and those the burst took away. The region is
   * emptied first so that a screen reader announces the words even when they equal
   * the last ones. */
  function announce() {
    var words = [];
    announceTimer = null;
    if (newInBurst && arrived > 0) {
      words.push(arrived === 1 ? '1 new comment' : arrived + ' new comments');
    }
    if (removedInBurst > 0) {
      words.push(removedInBurst === 1 ? '1 comment removed'
        : removedInBurst + ' comments removed');
    }
    newInBurst = false;
    removedInBurst = 0;
    if (!live || words.length === 0) {
      return;
    }
    var text = words.join(', ');
    live.textContent = '';
    window.setTimeout(function () {
      live.textContent = text;
    }, 100);
  }

  function authorName(c) {
    var a = c.author || {};
    return a.display_name || a.username || a.name || 'Anonymous';
  }

  function badge(meta, className, text) {
    meta.appendChild(document.createTextNode(' '));
    var span = el('span', className, text);
    meta.appendChild(span);
    return span;
  }

  function commentBody(c) {
    var body = el('div', 'comment-body');
    body.innerHTML = c.body_html;
    return body;
  }

  /* The "edited" mark of templates/comment.html, or null for an unedited comment. */
  function editedMark(c) {
    var date = c.edited_at ? new Date(c.edited_at) : null;
    if (!date || isNaN(date.getTime())) {
      return null;
    }
    var mark = el('time', 'comment-edited', 'edited');
    mark.setAttribute('datetime', c.edited_at);
    mark.title = 'Edited ' + fullDate(date);
    return mark;
  }

  /* The same markup as templates/comment.html. body_html was made safe by the
   * server when the comment was written; every other field is set as text. */
  function render(c, depth, inReplyTo) {
    var a = c.author || {};
    var name = authorName(c);
    var date = new Date(c.created_at);
    var article = el('article', 'comment comment-new' + (c.legacy ? ' legacy' : '') +
      (a.role === 'moderator' || a.role === 'admin' ? ' by-staff' : ''));
    article.id = 'comment-' + c.id;
    article.dataset.id = String(c.id);
    article.dataset.parent = c.parent_id ? String(c.parent_id) : '';
    article.dataset.depth = String(depth);
    if (a.username) {
      article.dataset.author = a.username;
    }
    article.setAttribute('aria-labelledby', article.id + '-author ' + article.id + '-time');
    var meta = el('header', 'comment-meta');
    var author = el('span', 'comment-author', name);
    author.id = article.id + '-author';
    meta.appendChild(author);
    if (a.role === 'moderator' || a.role === 'admin') {
      badge(meta, 'comment-staff', 'Staff').dataset.role = a.role;
    }
    if (a.username) {
      badge(meta, 'comment-you', 'You').hidden = true;
    }
    if (c.legacy) {
      badge(meta, 'legacy-label', 'Legacy');
    }
    badge(meta, 'comment-new-label', 'New');
    meta.appendChild(document.createTextNode(' '));
    var link = el('a', 'comment-permalink');
    link.href = '#comment-' + c.id;
    var time = el('time', 'comment-time', relative(date, new Date(), shortDate(date)));
    time.id = article.id + '-time';
    time.setAttribute('datetime', c.created_at);
    time.title = fullDate(date);
    time.dataset.absolute = shortDate(date);
    link.appendChild(time);
    meta.appendChild(link);
    var edited = editedMark(c);
    if (edited) {
      meta.appendChild(document.createTextNode(' '));
      meta.appendChild(edited);
    }
    if (inReplyTo) {
      meta.appendChild(document.createTextNode(' '));
      var to = el('a', 'comment-in-reply-to', 'in reply to ' + inReplyTo.name);
      to.href = inReplyTo.href;
      meta.appendChild(to);
    }
    article.appendChild(meta);
    article.appendChild(commentBody(c));
    var actions = slug ? actionLinks(c, name) : null;
    if (actions) {
      article.appendChild(actions);
    }
    return article;
  }

  /* A "comment deleted" placeholder as templates/comment.html writes it: the
   * comment's place, permalink and replies, nothing of its author or text (the
   * event carries none). */
  function renderPlaceholder(c, depth) {
    var date = new Date(c.created_at);
    var article = el('article', 'comment comment-placeholder');
    article.id = 'comment-' + c.id;
    article.dataset.id = String(c.id);
    article.dataset.parent = c.parent_id ? String(c.parent_id) : '';
    article.dataset.depth = String(depth);
    article.setAttribute('aria-labelledby', article.id + '-deleted');
    var meta = el('header', 'comment-meta');
    var words = el('span', 'comment-deleted', 'comment deleted');
    words.id = article.id + '-deleted';
    meta.appendChild(words);
    meta.appendChild(document.createTextNode(' '));
    var link = el('a', 'comment-permalink');
    link.href = '#comment-' + c.id;
    if (!isNaN(date.getTime())) {
      var time = el('time', 'comment-time', relative(date, new Date(), shortDate(date)));
      time.setAttribute('datetime', c.created_at);
      time.title = fullDate(date);
      time.dataset.absolute = shortDate(date);
      link.appendChild(time);
    }
    meta.appendChild(link);
    article.appendChild(meta);
    return article;
  }

  function isPlaceholder(article) {
    return article.classList.contains('comment-placeholder');
  }

  /* For a logged-in reader (the comments section says so): Reply, where the page
   * has the comment form, and the one "Actions" link to what the reader may do, as
   * templates/comment.html writes them. Nothing for an anonymous reader. */
  function actionLinks(c, name) {
    if (!section.hasAttribute('data-actions')) {
      return null;
    }
    var actions = el('p', 'comment-actions');
    if (document.getElementById('comment-form')) {
      var reply = el('a', 'comment-reply', 'Reply');
      reply.appendChild(el('span', 'visually-hidden', ' to ' + name));
      reply.href = '/stories/' + encodeURIComponent(slug) + '?reply_to=' + c.id + '#comment-form';
      actions.appendChild(reply);
      actions.appendChild(document.createTextNode(' '));
    }
    var more = el('a', 'comment-more', 'Actions');
    more.href = '/comments/' + c.id;
    more.setAttribute('aria-describedby', 'comment-' + c.id + '-author comment-' + c.id + '-time');
    actions.appendChild(more);
    return actions;
  }

  function childContainer(parent) {
    for (var i = 0; i < parent.children.length; i++) {
      if (parent.children[i].classList.contains('comment-replies')) {
        return parent.children[i];
      }
    }
    var div = el('div', 'comment-replies');
    parent.appendChild(div);
    return div;
  }

  function topContainer() {
    var list = section.querySelector('.comment-list');
    if (!list) {
      var empty = section.querySelector('.comments-empty');
      if (empty) {
        empty.remove();
      }
      list = el('div', 'comment-list');
      section.appendChild(list);
    }
    return list;
  }

  /* Whom the reply answers, when nesting does not show it (as the server does). */
  function inReplyTo(c, shown, actual) {
    if (!c.parent_id || (shown && shown === actual)) {
      return null;
    }
    if (actual) {
      var author = actual.querySelector('.comment-author');
      return {name: isPlaceholder(actual) ? 'a deleted comment'
        : author ? author.textContent : 'an earlier comment',
        href: '#comment-' + c.parent_id};
    }
    return {name: 'an earlier comment',
      href: '/stories/' + encodeURIComponent(slug) + '/comments/' + c.parent_id};
  }

  /* On an earlier page of a long story a new comment belongs to the newest page
   * (pages follow the order comments were written), so it is counted and linked
   * from one notice here instead of being shown out of place. */
  function noteElsewhere(c) {
    elsewhere[c.id] = true;
    showElsewhere();
  }

  /* The notice links the first of them (integer keys list in ascending order); it
   * goes when none is left. */
  function showElsewhere() {
    var ids = Object.keys(elsewhere);
    var note = section.querySelector('.comments-elsewhere');
    if (ids.length === 0) {
      if (note) {
        note.remove();
      }
      return;
    }
    if (!note) {
      note = el('p', 'comments-elsewhere');
      note.appendChild(el('a'));
      var nav = section.querySelector('.comment-pages');
      section.insertBefore(note, nav ? nav.nextSibling : section.firstChild);
    }
    note.firstChild.href = '/stories/' + encodeURIComponent(slug) + '/comments/' + ids[0];
    note.firstChild.textContent = ids.length === 1 ? '1 new comment on a later page'
      : ids.length + ' new comments on a later page';
  }

  function schedule() {
    if (announceTimer !== null) {
      window.clearTimeout(announceTimer);
    }
    announceTimer = window.setTimeout(announce, ANNOUNCE_DELAY_MS);
  }

  function arrive() {
    setCount((parseInt(section.dataset.count, 10) || 0) + 1);
    arrived++;
    newInBurst = true;
    schedule();
  }

  /* Undoes what a comment's arrival or the page counted of it. */
  function depart(wasNew) {
    setCount(Math.max(0, (parseInt(section.dataset.count, 10) || 0) - 1));
    if (wasNew) {
      arrived = Math.max(0, arrived - 1);
    }
    removedInBurst++;
    schedule();
  }

  /* A comment this page does not show yet, under its parent (`make` renders it at
   * a depth, with whom it answers): true when placed. */
  function place(c, make) {
    var actual = c.parent_id ? document.getElementById('comment-' + c.parent_id) : null;
    var parent = actual;
    var depth = 1;
    var container;
    /* Replies nest five levels deep; deeper ones hang beside their parent. */
    while (parent && parseInt(parent.dataset.depth || '1', 10) >= MAX_DEPTH) {
      parent = parent.parentElement ? parent.parentElement.closest('article.comment') : null;
    }
    if (parent) {
      depth = parseInt(parent.dataset.depth || '1', 10) + 1;
      container = childContainer(parent);
    } else {
      container = topContainer();
    }
    container.appendChild(make(depth, inReplyTo(c, parent, actual)));
  }

  function add(c) {
    if (document.getElementById('comment-' + c.id)) {
      return;
    }
    if (c.status === 'deleted') {
      return; /* only ever sent as an update, see toPlaceholder */
    }
    if (section.querySelector('.comments-more a')) {
      noteElsewhere(c);
      arrive();
      return;
    }
    place(c, function (depth, to) {
      return render(c, depth, to);
    });
    arrive();
  }

  /* A deleted comment with replies becomes its placeholder where it stands: its
   * replies and whom it answered stay, its author, text and actions go, and it no
   * longer counts. One this page does not show is placed as the server would (the
   * whole conversation is here), uncounted. A reader focused inside it lands on
   * the comments heading. */
  function toPlaceholder(c) {
    var article = document.getElementById('comment-' + c.id);
    if (!article) {
      if (!section.querySelector('.comment-pages')) {
        place(c, function (depth, to) {
          var made = renderPlaceholder(c, depth);
          if (to) {
            var link = el('a', 'comment-in-reply-to', 'in reply to ' + to.name);
            link.href = to.href;
            made.firstChild.appendChild(document.createTextNode(' '));
            made.firstChild.appendChild(link);
          }
          return made;
        });
      }
      return;
    }
    if (isPlaceholder(article)) {
      return;
    }
    var made = renderPlaceholder(c, parseInt(article.dataset.depth || '1', 10) || 1);
    var meta = directChild(article, 'comment-meta');
    var to = meta ? directChild(meta, 'comment-in-reply-to') : null;
    if (to) {
      made.firstChild.appendChild(document.createTextNode(' '));
      made.firstChild.appendChild(to);
    }
    var replies = directChild(article, 'comment-replies');
    if (replies) {
      made.appendChild(replies);
    }
    if (article.contains(document.activeElement)) {
      focusHeading();
    }
    var wasNew = article.classList.contains('comment-new');
    article.parentElement.replaceChild(made, article);
    depart(wasNew);
  }

  function focusHeading() {
    var heading = document.getElementById('comments-heading');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }

  function directChild(parent, className) {
    for (var i = 0; i < parent.children.length; i++) {
      if (parent.children[i].classList.contains(className)) {
        return parent.children[i];
      }
    }
    return null;
  }

  /* An edit: the new text and the "edited" mark, made by the code that renders a new
   * comment; the comment keeps its place, replies and "New" mark. One this page does
   * not show is new to it (approved after an edit) where the page holds the whole
   * conversation; on a page of a long story it may sit on another page. */
  function update(c) {
    if (c.status === 'deleted') {
      toPlaceholder(c);
      return;
    }
    var article = document.getElementById('comment-' + c.id);
    if (!article) {
      if (!section.querySelector('.comment-pages')) {
        add(c);
      }
      return;
    }
    var body = directChild(article, 'comment-body');
    if (body) {
      article.replaceChild(commentBody(c), body);
    }
    var meta = directChild(article, 'comment-meta');
    var mark = editedMark(c);
    if (!meta || !mark) {
      return;
    }
    var old = directChild(meta, 'comment-edited');
    if (old) {
      meta.replaceChild(mark, old);
      return;
    }
    var link = directChild(meta, 'comment-permalink');
    meta.insertBefore(mark, link ? link.nextSibling : null);
    meta.insertBefore(document.createTextNode(' '), mark);
  }

  /* A reply whose parent left the page hangs at the top level in commit (id) order,
   * saying whom it answers, as the server renders a reply whose parent it does not
   * show; its own replies move up with it. */
  function orphan(reply, parentId, shift) {
    var nested = [reply].concat(Array.prototype.slice.call(reply.querySelectorAll('article.comment')));
    nested.forEach(function (a) {
      a.dataset.depth = String(Math.max(1, (parseInt(a.dataset.depth || '1', 10) || 1) - shift));
    });
    var meta = directChild(reply, 'comment-meta');
    if (meta && !directChild(meta, 'comment-in-reply-to')) {
      var to = inReplyTo({parent_id: parentId}, null, null);
      var link = el('a', 'comment-in-reply-to', 'in reply to ' + to.name);
      link.href = to.href;
      meta.appendChild(document.createTextNode(' '));
      meta.appendChild(link);
    }
    var list = topContainer();
    var id = parseInt(reply.dataset.id, 10);
    var next = null;
    for (var i = 0; i < list.children.length && !next; i++) {
      if (parseInt(list.children[i].dataset.id, 10) > id) {
        next = list.children[i];
      }
    }
    list.insertBefore(reply, next);
  }

  /* A rejected, held or deleted comment leaves the page (if this page shows or
   * counted it): nothing of it stays, and a reader focused inside it lands on the
   * comments heading rather than nowhere. A placeholder leaving (its last reply
   * left) was not counted and is not announced. */
  function removeComment(id) {
    var article = document.getElementById('comment-' + id);
    if (!article) {
      if (elsewhere[id]) {
        delete elsewhere[id];
        showElsewhere();
        depart(true);
      }
      return;
    }
    var replies = directChild(article, 'comment-replies');
    var shift = parseInt(article.dataset.depth || '1', 10) || 1;
    var holder = article.parentElement;
    if (article.contains(document.activeElement)) {
      focusHeading();
    }
    var wasNew = article.classList.contains('comment-new');
    var counted = !isPlaceholder(article);
    article.remove();
    if (replies) {
      Array.prototype.slice.call(replies.children).forEach(function (r) {
        orphan(r, id, shift);
      });
    }
    if (holder && holder.classList.contains('comment-replies') && !holder.children.length) {
      holder.remove(); /* the server renders no empty replies container */
    }
    if (counted) {
      depart(wasNew);
    }
  }

  /* Changes comment_actions.js made in place, applied as the stream's own are: the
   * same change arriving on the stream later finds nothing left to do. */
  section.addEventListener('stet:removed', function (ev) {
    ev.preventDefault();
    removeComment(ev.detail.id);
  });
  section.addEventListener('stet:updated', function (ev) {
    if (document.getElementById('comment-' + ev.detail.id)) {
      ev.preventDefault();
      update(ev.detail);
    }
  });

  var url = section.dataset.events + '?last_event_id=' +
    encodeURIComponent(section.dataset.eventSeq || '0');
  var source = new EventSource(url);
  /* Each event is a comment's latest change, so one that was edited before this page
   * heard of it arrives as "updated", and one removed before then may never have
   * been shown here. A malformed event is skipped; the next page load shows
   * everything. */
  function on(type, handle) {
    source.addEventListener(type, function (event) {
      var c;
      try {
        c = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (c && typeof c.id === 'number') {
        handle(c);
      }
    });
  }
  /* The reader's own held comment, approved: it is in the thread now, so it leaves
   * the list of their comments awaiting moderation beside the form (story.html),
   * and the list with its last entry. */
  function approved(c) {
    var held = document.getElementById('held-' + c.id);
    if (!held) {
      return;
    }
    var block = document.getElementById('your-held');
    held.remove();
    if (block && !block.querySelector('.own-held-item')) {
      block.remove();
    }
  }
  on('comment', function (c) {
    add(c);
    approved(c);
  });
  on('updated', function (c) {
    update(c);
    approved(c);
  });
  on('removed', function (c) {
    removeComment(c.id);
  });
}());
