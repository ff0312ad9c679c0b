/* Live comments: comments posted while the page is open appear in place and the
 * count follows. The page works fully without this file; it only adds to it. */
(function () {
  'use strict';
  var section = document.getElementById('comments');
  if (!section || !window.EventSource || !section.dataset.events) {
    return;
  }
  var MAX_DEPTH = 5;
  var MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July',
    'August', 'September', 'October', 'November', 'December'];
  var story = document.querySelector('article.story');
  var slug = story ? story.dataset.slug : '';

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

  function humanDate(iso) {
    var d = new Date(iso);
    return d.getUTCDate() + ' ' + MONTHS[d.getUTCMonth()] + ' ' + d.getUTCFullYear();
  }

  function setCount(n) {
    section.dataset.count = String(n);
    var spans = section.querySelectorAll('.comment-count');
    for (var i = 0; i < spans.length; i++) {
      spans[i].textContent = String(n);
    }
  }

  /* The same markup as templates/comment.html. body_html was made safe by the
   * server when the comment was written; every other field is set as text. */
  function render(c, depth) {
    var article = el('article', 'comment' + (c.legacy ? ' legacy' : ''));
    article.id = 'comment-' + c.id;
    article.dataset.id = String(c.id);
    article.dataset.parent = c.parent_id ? String(c.parent_id) : '';
    article.dataset.depth = String(depth);
    var meta = el('header', 'comment-meta');
    var a = c.author || {};
    meta.appendChild(el('span', 'comment-author', a.display_name || a.username || a.name || 'Anonymous'));
    if (c.legacy) {
      meta.appendChild(document.createTextNode(' '));
      meta.appendChild(el('span', 'legacy-label', 'Legacy'));
    }
    meta.appendChild(document.createTextNode(' '));
    var link = el('a', 'comment-permalink');
    link.href = '#comment-' + c.id;
    var time = el('time', null, humanDate(c.created_at));
    time.setAttribute('datetime', c.created_at);
    link.appendChild(time);
    meta.appendChild(link);
    article.appendChild(meta);
    var body = el('div', 'comment-body');
    body.innerHTML = c.body_html;
    article.appendChild(body);
    if (document.getElementById('comment-form') && slug) {
      var actions = el('p', 'comment-actions');
      var reply = el('a', 'comment-reply', 'Reply');
      reply.href = '/stories/' + encodeURIComponent(slug) + '?reply_to=' + c.id + '#comment-form';
      actions.appendChild(reply);
      article.appendChild(actions);
    }
    return article;
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

  function add(c) {
    if (document.getElementById('comment-' + c.id)) {
      return;
    }
    var parent = c.parent_id ? document.getElementById('comment-' + c.parent_id) : null;
    var depth = 1;
    var container;
    if (parent) {
      /* Replies nest five levels deep; deeper ones stay at the fifth. */
      while (parent && parseInt(parent.dataset.depth || '1', 10) >= MAX_DEPTH) {
        parent = parent.parentElement ? parent.parentElement.closest('article.comment') : null;
      }
    }
    if (parent) {
      depth = parseInt(parent.dataset.depth || '1', 10) + 1;
      container = childContainer(parent);
    } else {
      container = topContainer();
    }
    container.appendChild(render(c, depth));
    setCount((parseInt(section.dataset.count, 10) || 0) + 1);
  }

  var url = section.dataset.events + '?last_event_id=' +
    encodeURIComponent(section.dataset.eventSeq || '0');
  var source = new EventSource(url);
  source.addEventListener('comment', function (event) {
    try {
      add(JSON.parse(event.data));
    } catch (e) {
      /* A malformed event is skipped; the next page load shows everything. */
    }
  });
}());
