// ckptsim report page. Reads the JSON in #ckptsim-data and builds the page with DOM calls only:
// every string from scenarios, plans and traces reaches the page as text, never as markup.
(function () {
  'use strict';

  var svgNs = 'http://www.w3.org/2000/svg';
  var data = JSON.parse(document.getElementById('ckptsim-data').textContent);
  var root = document.getElementById('report');

  // ---- small DOM helpers ------------------------------------------------------------------

  function el(tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(svgNs, tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) return;
      if (name === 'onclick' || name === 'oninput' || name === 'onchange') node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, String(value));
    });
  }
  function append(node, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) child.forEach(function (each) { append(node, each); });
    else if (typeof child === 'string' || typeof child === 'number') node.appendChild(document.createTextNode(String(child)));
    else node.appendChild(child);
  }
  function fmtUs(us) {
    if (us >= 1e6) return (us / 1e6).toFixed(us >= 1e7 ? 1 : 2) + ' s';
    if (us >= 1e3) return (us / 1e3).toFixed(us >= 1e4 ? 0 : 1) + ' ms';
    return Math.round(us) + ' µs';
  }
  /** A tick label precise enough to tell neighbouring ticks apart, however far zoomed in. */
  function axisLabel(us, stepUs) {
    if (stepUs >= 1e5 || us < 1e3) return fmtUs(us);
    var decimals = Math.min(6, Math.max(0, Math.ceil(-Math.log10(stepUs / 1e6))));
    if (us < 1e6) return (us / 1e3).toFixed(Math.max(0, decimals - 3)) + ' ms';
    return (us / 1e6).toFixed(decimals) + ' s';
  }
  function fmtCount(n) {
    return Number(n).toLocaleString('en-US');
  }

  // ---- checkpoint timeline (SVG) ----------------------------------------------------------

  var incidentColour = { failover: '#e07b00', 'executor-lost': '#c62828', 'jobmaster-started': '#7b1fa2', 'task-failed': '#d84315', 'trigger-failed': '#8a93a3', 'job-status': '#1d2330' };

  /** One row per non-overlapping group of checkpoints, bars from trigger to completion or abort. */
  function checkpointTimeline(timeline) {
    var width = 1000;
    var left = 4;
    var endUs = Math.max(1, timeline.endUs);
    var x = function (us) { return left + (us / endUs) * (width - 2 * left); };
    var rows = [];
    var placed = timeline.checkpoints.map(function (span) {
      var end = span.endUs === undefined ? endUs : span.endUs;
      var row = 0;
      while (row < rows.length && rows[row] > span.triggerUs) row++;
      rows[row] = end;
      return { span: span, end: end, row: row };
    });
    var rowHeight = 16;
    var top = 14;
    var height = top + Math.max(1, rows.length) * rowHeight + 20;
    var box = svg('svg', { class: 'timeline', viewBox: '0 0 ' + width + ' ' + height, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'checkpoint timeline' });
    // Time axis.
    var ticks = 8;
    for (var i = 0; i <= ticks; i++) {
      var us = (endUs * i) / ticks;
      box.appendChild(svg('line', { x1: x(us), x2: x(us), y1: top - 4, y2: height - 16, stroke: '#eef0f4' }));
      box.appendChild(svg('text', { x: Math.min(x(us), width - 40), y: height - 4 }, fmtUs(us)));
    }
    placed.forEach(function (entry) {
      var span = entry.span;
      var y = top + entry.row * rowHeight;
      var colour = span.outcome === 'completed' ? '#2e9d5b' : span.outcome === 'aborted' ? '#d64545' : '#a3abb8';
      var w = Math.max(1.5, x(entry.end) - x(span.triggerUs));
      var title = span.type + ' ' + span.id + ': ' + span.outcome +
        (span.reason ? ' (' + span.reason + ')' : '') +
        (span.endUs !== undefined ? ' after ' + fmtUs(span.endUs - span.triggerUs) : ' at the end of the run') +
        ', ' + span.ackOffsetsUs.length + '/' + span.awaited + ' acks' + (span.declined ? ', ' + span.declined + ' declined' : '');
      var group = svg('g', { class: 'checkpoint', 'data-outcome': span.outcome }, svg('title', null, title));
      group.appendChild(svg('rect', { x: x(span.triggerUs), y: y, width: w, height: rowHeight - 4, fill: colour, 'fill-opacity': span.type === 'checkpoint' ? 0.75 : 0.95, rx: 1.5 }));
      span.ackOffsetsUs.forEach(function (offset) {
        var ack = span.triggerUs + offset;
        group.appendChild(svg('line', { x1: x(ack), x2: x(ack), y1: y + 2, y2: y + rowHeight - 6, stroke: '#ffffff', 'stroke-opacity': 0.8 }));
      });
      if (w > 26) group.appendChild(svg('text', { x: x(span.triggerUs) + 2, y: y + rowHeight - 7, style: 'fill:#fff' }, String(span.id)));
      box.appendChild(group);
    });
    timeline.incidents.forEach(function (incident) {
      var colour = incidentColour[incident.kind] || '#1d2330';
      box.appendChild(svg('g', { class: 'incident' },
        svg('title', null, fmtUs(incident.timeUs) + ': ' + incident.label + (incident.repeats ? ' (×' + incident.repeats + ' until ' + fmtUs(incident.lastUs) + ')' : '')),
        svg('line', { x1: x(incident.timeUs), x2: x(incident.timeUs), y1: 2, y2: height - 16, stroke: colour, 'stroke-width': 1.5, 'stroke-dasharray': '3 2' }),
        svg('circle', { cx: x(incident.timeUs), cy: 6, r: 3.5, fill: colour })));
    });
    var completed = timeline.checkpoints.filter(function (s) { return s.outcome === 'completed'; }).length;
    var aborted = timeline.checkpoints.filter(function (s) { return s.outcome === 'aborted'; });
    var reasons = {};
    aborted.forEach(function (s) { reasons[s.reason] = (reasons[s.reason] || 0) + 1; });
    var legend = el('div', { class: 'legend' },
      el('span', null, el('i', { class: 'swatch', style: 'background:#2e9d5b' }), completed + ' completed'),
      el('span', null, el('i', { class: 'swatch', style: 'background:#d64545' }), aborted.length + ' aborted' +
        (aborted.length ? ' (' + Object.keys(reasons).sort().map(function (r) { return r + ' ×' + reasons[r]; }).join(', ') + ')' : '')),
      el('span', null, el('i', { class: 'swatch', style: 'background:#a3abb8' }), 'pending'),
      el('span', null, 'white ticks: acknowledgements; dashed lines: failovers, lost executors, new leaders (hover for details)'),
      timeline.omittedCheckpoints ? el('span', null, timeline.omittedCheckpoints + ' checkpoints from the middle of the run are left out') : null);
    return el('div', { class: 'timeline-box' }, box, legend);
  }

  // ---- space-time diagram (canvas, drawn on demand) ------------------------------------------

  var categoryColour = { other: '#c3c9d4', rpc: '#7d8aa3', records: '#4a90d9', task: '#3d9970', transaction: '#8e44ad', checkpoint: '#1d2330', ack: '#e08e0b', barrier: '#d81b60', fault: '#c62828', operation: '#00838f' };
  var defaultOff = { other: true, rpc: true };

  function decode(base64, Type) {
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new Type(bytes.buffer);
  }
  function lowerBound(array, value, count) {
    var lo = 0, hi = count;
    while (lo < hi) { var mid = (lo + hi) >>> 1; if (array[mid] < value) lo = mid + 1; else hi = mid; }
    return lo;
  }

  /**
   * A space-time diagram. Its controls and canvas are laid out at once, at their final size, so
   * nothing below moves when it is drawn; decoding the trace and drawing wait until the diagram
   * comes near the viewport (a page may hold many, each of up to a million events).
   */
  function spaceTime(encoded) {
    var container = el('div', { class: 'spacetime-block' });
    var diagram = buildSpaceTime(container, encoded);
    if ('IntersectionObserver' in window) {
      var observer = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { observer.disconnect(); diagram.show(); }
      }, { rootMargin: '200px' });
      observer.observe(container);
    } else {
      setTimeout(diagram.show, 0);
    }
    return container;
  }

  function buildSpaceTime(container, encoded) {
    var marks = null;
    var msgs = null;
    var maxLatency = 0;
    /** Decodes the trace on first use. */
    function decodeTrace() {
      if (marks !== null) return;
      marks = {
        t: decode(encoded.marks.timeUs, Float64Array), lane: decode(encoded.marks.lane, Uint16Array),
        cat: decode(encoded.marks.category, Uint8Array), label: decode(encoded.marks.label, Uint32Array), n: encoded.markCount,
      };
      msgs = {
        sent: decode(encoded.messages.sentUs, Float64Array), arrived: decode(encoded.messages.arrivedUs, Float64Array),
        from: decode(encoded.messages.from, Uint16Array), to: decode(encoded.messages.to, Uint16Array),
        cat: decode(encoded.messages.category, Uint8Array), label: decode(encoded.messages.label, Uint32Array),
        lost: decode(encoded.messages.lost, Uint8Array), n: encoded.messageCount,
      };
      for (var m = 0; m < msgs.n; m++) maxLatency = Math.max(maxLatency, msgs.arrived[m] - msgs.sent[m]);
    }
    var shown = false;
    var categories = encoded.categories;
    var enabled = categories.map(function (name) { return !defaultOff[name]; });
    var laneFilter = '';
    var lanes = encoded.lanes;
    var visibleLanes = [];
    var laneRow = new Int32Array(lanes.length);
    function computeLanes() {
      visibleLanes = [];
      var needle = laneFilter.toLowerCase();
      for (var i = 0; i < lanes.length; i++) {
        if (needle === '' || lanes[i].toLowerCase().indexOf(needle) >= 0) { laneRow[i] = visibleLanes.length; visibleLanes.push(i); } else laneRow[i] = -1;
      }
    }
    computeLanes();
    var span = Math.max(1, encoded.endUs - encoded.startUs);
    var view = { a: encoded.startUs - span * 0.01, b: encoded.endUs + span * 0.01 };
    var labelWidth = 150;
    var laneHeight = 16;
    var axisHeight = 22;

    var controls = el('div', { class: 'controls' });
    categories.forEach(function (name, index) {
      var box = el('input', { type: 'checkbox', 'data-category': name });
      box.checked = enabled[index];
      box.addEventListener('change', function () { enabled[index] = box.checked; schedule(); });
      controls.appendChild(el('label', null, box, el('i', { class: 'swatch', style: 'background:' + categoryColour[name] }), name));
    });
    var filterInput = el('input', { type: 'text', placeholder: 'filter lanes (e.g. count#)', 'aria-label': 'lane filter' });
    filterInput.addEventListener('input', function () { laneFilter = filterInput.value; computeLanes(); resize(); });
    controls.appendChild(filterInput);
    controls.appendChild(el('button', { onclick: function () { zoom(0.5, 0.5); } }, 'zoom in'));
    controls.appendChild(el('button', { onclick: function () { zoom(2, 0.5); } }, 'zoom out'));
    controls.appendChild(el('button', { onclick: function () { view = { a: encoded.startUs - span * 0.01, b: encoded.endUs + span * 0.01 }; schedule(); } }, 'fit'));
    if (encoded.focusUs !== null) {
      controls.appendChild(el('button', { onclick: function () {
        var w = Math.max(2000, span / 20);
        view = { a: encoded.focusUs - w * 0.8, b: encoded.focusUs + w * 0.2 }; schedule();
      } }, 'zoom to violation'));
    }
    var frame = el('div', { class: 'spacetime' });
    var canvas = el('canvas', { 'aria-label': 'space-time diagram' });
    var tooltip = el('div', { class: 'tooltip' });
    var status = el('div', { class: 'status' });
    frame.appendChild(canvas);
    frame.appendChild(tooltip);
    frame.appendChild(status);
    container.appendChild(controls);
    container.appendChild(frame);
    if (encoded.windowed) {
      container.appendChild(el('div', { class: 'pager' }, 'this diagram holds a window of ' + fmtCount(encoded.markCount + encoded.messageCount) + ' items around the violation out of a run of ' + fmtCount(encoded.totalEvents) + ' events; replay the case with --html for all of it'));
    }

    var ctx = canvas.getContext('2d');
    var cssWidth = 0, cssHeight = 0, ratio = window.devicePixelRatio || 1;
    function resize() {
      cssWidth = Math.max(300, frame.clientWidth);
      cssHeight = axisHeight + Math.max(1, visibleLanes.length) * laneHeight + 4;
      canvas.width = Math.round(cssWidth * ratio);
      canvas.height = Math.round(cssHeight * ratio);
      canvas.style.height = cssHeight + 'px';
      schedule();
    }
    var pending = false;
    function schedule() {
      if (pending || !shown) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; draw(); });
    }
    function xOf(us) { return labelWidth + ((us - view.a) / (view.b - view.a)) * (cssWidth - labelWidth - 4); }
    function usOf(px) { return view.a + ((px - labelWidth) / (cssWidth - labelWidth - 4)) * (view.b - view.a); }
    function yOf(lane) { return axisHeight + laneRow[lane] * laneHeight + laneHeight / 2; }

    var markLimit = 20000, messageLimit = 4000;
    function draw() {
      decodeTrace();
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, cssWidth, cssHeight);
      ctx.font = '11px system-ui, sans-serif';
      // Lanes.
      for (var r = 0; r < visibleLanes.length; r++) {
        var y = axisHeight + r * laneHeight;
        if (r % 2 === 0) { ctx.fillStyle = '#f7f8fa'; ctx.fillRect(labelWidth, y, cssWidth - labelWidth, laneHeight); }
        ctx.fillStyle = '#1d2330';
        ctx.fillText(lanes[visibleLanes[r]].slice(0, 22), 4, y + laneHeight - 4);
      }
      // Axis.
      ctx.fillStyle = '#5b6475';
      ctx.strokeStyle = '#e3e6ec';
      var stepUs = (view.b - view.a) / 8;
      for (var i = 0; i <= 8; i++) {
        var us = view.a + stepUs * i;
        var px = xOf(us);
        ctx.beginPath(); ctx.moveTo(px, axisHeight - 4); ctx.lineTo(px, cssHeight); ctx.stroke();
        ctx.fillText(axisLabel(Math.max(0, us), stepUs), Math.min(px + 2, cssWidth - 70), 14);
      }
      ctx.save();
      ctx.beginPath(); ctx.rect(labelWidth, 0, cssWidth - labelWidth, cssHeight); ctx.clip();
      // Marks in the window.
      var first = lowerBound(marks.t, view.a, marks.n);
      var last = lowerBound(marks.t, view.b, marks.n);
      var shown = 0;
      for (var k = first; k < last; k++) if (enabled[marks.cat[k]] && laneRow[marks.lane[k]] >= 0) shown++;
      var aggregated = shown > markLimit;
      // Messages overlapping the window.
      var mFirst = lowerBound(msgs.sent, view.a - maxLatency, msgs.n);
      var mLast = lowerBound(msgs.sent, view.b, msgs.n);
      var candidates = 0;
      for (var q = mFirst; q < mLast; q++) {
        if (msgs.arrived[q] >= view.a && enabled[msgs.cat[q]] && laneRow[msgs.from[q]] >= 0 && laneRow[msgs.to[q]] >= 0) candidates++;
      }
      var arrows = candidates <= messageLimit;
      if (aggregated || !arrows) drawDensity(aggregated ? first : 0, aggregated ? last : 0, arrows ? 0 : mFirst, arrows ? 0 : mLast);
      for (var j = first; j < last; j++) {
        var c = marks.cat[j];
        if (!enabled[c] || laneRow[marks.lane[j]] < 0) continue;
        var name = categories[c];
        // When aggregated, only the rare, important kinds are still drawn one by one.
        if (aggregated && name !== 'fault' && name !== 'checkpoint') continue;
        ctx.fillStyle = categoryColour[name];
        var mx = xOf(marks.t[j]);
        var my = yOf(marks.lane[j]);
        if (name === 'fault') { ctx.beginPath(); ctx.moveTo(mx, my - 6); ctx.lineTo(mx + 5, my + 5); ctx.lineTo(mx - 5, my + 5); ctx.closePath(); ctx.fill(); }
        else ctx.fillRect(mx - 1, my - 5, 2, 10);
      }
      if (arrows) {
        ctx.lineWidth = 1;
        for (var p = mFirst; p < mLast; p++) {
          if (msgs.arrived[p] < view.a || !enabled[msgs.cat[p]] || laneRow[msgs.from[p]] < 0 || laneRow[msgs.to[p]] < 0) continue;
          var lost = msgs.lost[p] === 1;
          ctx.strokeStyle = lost ? '#c62828' : categoryColour[categories[msgs.cat[p]]];
          ctx.setLineDash(lost ? [4, 3] : []);
          var x1 = xOf(msgs.sent[p]), y1 = yOf(msgs.from[p]), x2 = xOf(msgs.arrived[p]), y2 = yOf(msgs.to[p]);
          ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = ctx.strokeStyle;
          ctx.beginPath(); ctx.arc(x2, y2, 2, 0, Math.PI * 2); ctx.fill();
        }
      }
      if (encoded.focusUs !== null) {
        var fx = xOf(encoded.focusUs);
        ctx.strokeStyle = '#c62828'; ctx.lineWidth = 2;
        ctx.beginPath(); ctx.moveTo(fx, axisHeight - 6); ctx.lineTo(fx, cssHeight); ctx.stroke();
        ctx.lineWidth = 1;
      }
      ctx.restore();
      status.textContent = fmtUs(Math.max(0, view.a)) + ' – ' + fmtUs(view.b) + ': ' + fmtCount(shown) + ' marks' + (aggregated ? ' (shown as density)' : '') +
        ', ' + fmtCount(candidates) + ' messages' + (arrows ? '' : ' (shown as density at their arrival)') + (aggregated || !arrows ? '; zoom in for single events' : '') + '. Wheel or buttons to zoom, drag to pan, hover for details.';
      canvas.setAttribute('data-drawn', String(shown + candidates));
    }

    /** Too many to draw one by one: count marks and message arrivals per lane and pixel column, and shade. */
    function drawDensity(first, last, mFirst, mLast) {
      var plotWidth = Math.max(1, Math.floor(cssWidth - labelWidth - 4));
      var rowsCount = visibleLanes.length;
      var bins = new Uint32Array(rowsCount * plotWidth);
      var scale = plotWidth / (view.b - view.a);
      var max = 0;
      function add(lane, us) {
        var row = laneRow[lane];
        if (row < 0) return;
        var column = Math.floor((us - view.a) * scale);
        if (column < 0 || column >= plotWidth) return;
        var value = ++bins[row * plotWidth + column];
        if (value > max) max = value;
      }
      for (var k = first; k < last; k++) if (enabled[marks.cat[k]]) add(marks.lane[k], marks.t[k]);
      for (var q = mFirst; q < mLast; q++) if (enabled[msgs.cat[q]] && laneRow[msgs.from[q]] >= 0) add(msgs.to[q], msgs.arrived[q]);
      var logMax = Math.log(1 + max);
      for (var r = 0; r < rowsCount; r++) {
        var y = axisHeight + r * laneHeight + 2;
        for (var col = 0; col < plotWidth; col++) {
          var count = bins[r * plotWidth + col];
          if (count === 0) continue;
          ctx.fillStyle = 'rgba(74,144,217,' + (0.15 + 0.85 * Math.log(1 + count) / logMax).toFixed(3) + ')';
          ctx.fillRect(labelWidth + col, y, 1, laneHeight - 4);
        }
      }
    }

    function zoom(factor, anchor) {
      var at = view.a + (view.b - view.a) * anchor;
      var width = Math.max(10, (view.b - view.a) * factor);
      view = { a: at - width * anchor, b: at + width * (1 - anchor) };
      schedule();
    }
    canvas.addEventListener('wheel', function (event) {
      event.preventDefault();
      var rect = canvas.getBoundingClientRect();
      var anchor = Math.min(1, Math.max(0, (event.clientX - rect.left - labelWidth) / (cssWidth - labelWidth - 4)));
      zoom(event.deltaY > 0 ? 1.25 : 0.8, anchor);
    }, { passive: false });
    var drag = null;
    canvas.addEventListener('mousedown', function (event) { drag = { x: event.clientX, view: view }; canvas.classList.add('dragging'); });
    window.addEventListener('mouseup', function () { drag = null; canvas.classList.remove('dragging'); });
    canvas.addEventListener('mousemove', function (event) {
      if (!shown) return;
      var rect = canvas.getBoundingClientRect();
      var px = event.clientX - rect.left, py = event.clientY - rect.top;
      if (drag) {
        var shift = ((event.clientX - drag.x) / (cssWidth - labelWidth - 4)) * (drag.view.b - drag.view.a);
        view = { a: drag.view.a - shift, b: drag.view.b - shift };
        schedule();
        return;
      }
      var row = Math.floor((py - axisHeight) / laneHeight);
      if (row < 0 || row >= visibleLanes.length || px < labelWidth) { tooltip.style.display = 'none'; return; }
      var lane = visibleLanes[row];
      var t = usOf(px), slack = ((view.b - view.a) / (cssWidth - labelWidth)) * 4;
      var best = -1, bestDistance = Infinity;
      var from = lowerBound(marks.t, t - slack, marks.n), to = lowerBound(marks.t, t + slack, marks.n);
      for (var k = from; k < to && k < from + 5000; k++) {
        if (marks.lane[k] !== lane || !enabled[marks.cat[k]]) continue;
        var d = Math.abs(marks.t[k] - t);
        if (d < bestDistance) { bestDistance = d; best = k; }
      }
      var text = null;
      if (best >= 0) text = fmtUs(marks.t[best]) + '  ' + lanes[lane] + '\n' + encoded.labels[marks.label[best]];
      else {
        var mFrom = lowerBound(msgs.sent, t - slack - maxLatency, msgs.n), mTo = lowerBound(msgs.sent, t + slack, msgs.n);
        for (var q = mFrom; q < mTo && q < mFrom + 20000; q++) {
          if (msgs.to[q] !== lane || !enabled[msgs.cat[q]] || Math.abs(msgs.arrived[q] - t) > slack) continue;
          text = fmtUs(msgs.arrived[q]) + '  ' + lanes[msgs.from[q]] + ' → ' + lanes[lane] + ' (sent ' + fmtUs(msgs.sent[q]) + ')\n' + encoded.labels[msgs.label[q]];
          break;
        }
      }
      if (text === null) { tooltip.style.display = 'none'; return; }
      tooltip.textContent = text;
      tooltip.style.display = 'block';
      tooltip.style.left = Math.min(px + 12, cssWidth - 260) + 'px';
      tooltip.style.top = (py + 12) + 'px';
    });
    canvas.addEventListener('mouseleave', function () { tooltip.style.display = 'none'; });
    window.addEventListener('resize', resize);
    if (encoded.focusUs !== null && encoded.endUs - encoded.startUs > 0) {
      // Open on the stretch that led to the violation.
      var w = Math.max(2000, span / 4);
      view = { a: Math.max(encoded.startUs - span * 0.01, encoded.focusUs - w * 0.85), b: encoded.focusUs + w * 0.15 };
    }
    status.textContent = 'space-time diagram: ' + fmtCount(encoded.markCount) + ' marks and ' + fmtCount(encoded.messageCount) + ' messages; drawn when scrolled into view';
    resize();
    return { show: function () { if (shown) return; shown = true; schedule(); } };
  }

  // ---- sections ---------------------------------------------------------------------------

  function commandBlock(command) {
    var pre = el('pre', null, el('code', null, command));
    var button = el('button', { onclick: function () {
      if (navigator.clipboard) navigator.clipboard.writeText(command).then(function () { button.textContent = 'copied'; }, function () {});
    } }, 'copy');
    return el('div', null, pre, button);
  }

  function caseCard(entry, kind) {
    var card = el('section', { class: 'failure' + (kind === 'gap' ? ' gap' : ''), 'data-kind': kind });
    card.appendChild(el('h3', null, entry.scenario + (entry.index !== undefined ? ' · case ' + entry.index : '') + ' · ' + entry.property));
    card.appendChild(el('p', { class: 'message' }, entry.message));
    if (kind === 'gap') card.appendChild(el('p', { class: 'lead' }, 'An expected gap (' + entry.gaps.join(', ') + '): a documented limit of the protocol, not a failure of this run.'));
    if (entry.shrinkSteps !== undefined) card.appendChild(el('p', { class: 'lead' }, 'Shrunk in ' + entry.shrinkSteps + ' step(s) to ' + entry.faults.length + ' fault(s):'));
    else card.appendChild(el('p', { class: 'lead' }, 'Fault plan (' + entry.faults.length + ' fault(s)):'));
    card.appendChild(el('pre', null, JSON.stringify(entry.faults, null, 1)));
    card.appendChild(el('p', { class: 'lead' }, 'Replay it exactly (add --trace out.json for Perfetto, --html out.html for this page on its own):'));
    card.appendChild(commandBlock('npx ckptsim replay ' + entry.replay));
    if (entry.timeline) {
      card.appendChild(el('h3', null, 'Checkpoints of the replayed run'));
      card.appendChild(checkpointTimeline(entry.timeline));
    }
    if (entry.diagram) {
      card.appendChild(el('h3', null, 'Space-time diagram' + (entry.violationUs !== undefined && entry.violationUs !== null ? ' (red line: the violation at ' + fmtUs(entry.violationUs) + ')' : '')));
      card.appendChild(spaceTime(entry.diagram));
    }
    return card;
  }

  function verdictMatrix() {
    var section = el('section', { id: 'matrix' });
    section.appendChild(el('h2', null, 'Verdicts: property × scenario × fault kind'));
    section.appendChild(el('p', { class: 'lead' }, 'Each cell counts the cases of a scenario whose fault plan used the chosen fault kind: held in all, violated in some (a failure), or violated only where a documented gap explains it. A dot: the scenario does not declare the property.'));
    var select = el('select', { 'aria-label': 'fault kind' });
    select.appendChild(el('option', { value: '*' }, 'every case'));
    data.faultKinds.forEach(function (kind) { select.appendChild(el('option', { value: kind }, 'cases with ' + kind)); });
    section.appendChild(el('div', { class: 'controls' }, el('label', null, 'fault kind: ', select)));
    var holder = el('div');
    section.appendChild(holder);
    function render() {
      var kind = select.value;
      holder.textContent = '';
      var head = el('tr', null, el('th', null, 'property'), data.scenarios.map(function (s) { return el('th', null, s.name); }));
      var body = data.properties.map(function (property) {
        return el('tr', { 'data-property': property }, el('th', null, property), data.scenarios.map(function (s) {
          if (s.properties.indexOf(property) < 0) return el('td', { class: 'na' }, '·');
          var cell = (data.cube[s.name] || {})[kind];
          if (!cell || cell.cases === 0) return el('td', { class: 'na' }, '–');
          var violated = cell.violated[property] || 0;
          var gaps = cell.gaps[property] || 0;
          if (violated > 0) return el('td', { class: 'violated num' }, '✗ ' + violated + ' / ' + cell.cases);
          if (gaps > 0) return el('td', { class: 'gap num' }, 'gap ' + gaps + ' / ' + cell.cases);
          return el('td', { class: 'held num' }, '✓ ' + cell.cases);
        }));
      });
      holder.appendChild(el('table', { class: 'matrix' }, el('thead', null, head), el('tbody', null, body)));
    }
    select.addEventListener('change', render);
    render();
    section.appendChild(el('h3', null, 'Fault kinds exercised (cases per kind: drawn / fired)'));
    section.appendChild(el('p', { class: 'lead' }, 'Drawn: cases whose fault plan had the kind. Fired: cases in which a fault of the kind fired and took effect.'));
    var coverage = el('table', { class: 'coverage' },
      el('thead', null, el('tr', null, el('th', null, 'fault kind'), data.scenarios.map(function (s) { return el('th', null, s.name); }))),
      el('tbody', null, data.faultKinds.map(function (kind) {
        return el('tr', null, el('th', null, kind), data.scenarios.map(function (s) {
          var cell = (data.cube[s.name] || {})[kind];
          var fired = (s.firedFaultKinds || {})[kind] || 0;
          return el('td', { class: 'num' }, (cell ? fmtCount(cell.cases) : '0') + ' / ' + fmtCount(fired));
        }));
      })));
    section.appendChild(coverage);
    section.appendChild(depthTable());
    return section;
  }

  // How deep the cases ran: cases per bucket of checkpoints completed and of highest checkpoint
  // id, and per retained-checkpoints setting (absent in results written before depth was kept).
  function depthTable() {
    var holder = el('div', { id: 'depth' });
    var withDepth = data.scenarios.filter(function (s) { return s.depth; });
    if (withDepth.length === 0) return holder;
    holder.appendChild(el('h3', null, 'Depth reached (cases per bucket)'));
    holder.appendChild(el('p', { class: 'lead' }, 'Checkpoints completed per case, the highest checkpoint id a case reached, and the retained-checkpoints setting it ran with.'));
    var rows = [];
    [['checkpointsCompleted', 'checkpoints completed'], ['highestCheckpointId', 'highest checkpoint id'], ['retainedCheckpoints', 'retained checkpoints']].forEach(function (measure) {
      var keys = [];
      withDepth.forEach(function (s) { Object.keys(s.depth[measure[0]]).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); }); });
      keys.forEach(function (k) {
        rows.push(el('tr', null, el('th', null, measure[1] + ' ' + k), withDepth.map(function (s) { return el('td', { class: 'num' }, fmtCount(s.depth[measure[0]][k] || 0)); })));
      });
    });
    holder.appendChild(el('table', { class: 'coverage' },
      el('thead', null, el('tr', null, el('th', null, 'measure'), withDepth.map(function (s) { return el('th', null, s.name); }))),
      el('tbody', null, rows)));
    return holder;
  }

  // ---- coverage: the step × fault heat map and the saturation curve ----------------------------

  /** Heat colour of a count against the largest one (log scale): pale blue to deep blue. */
  function heat(count, max) {
    var t = max <= 1 ? 1 : Math.log(count + 1) / Math.log(max + 1);
    var light = Math.round(92 - t * 52);
    return 'hsl(214, 70%, ' + light + '%)';
  }

  function coverageHeatMap(coverage) {
    var impossible = {};
    coverage.pairs.impossible.forEach(function (entry) { impossible[entry.pair] = entry.reason; });
    var max = 0;
    Object.keys(coverage.pairs.counts).forEach(function (pair) { max = Math.max(max, coverage.pairs.counts[pair]); });
    var head = el('tr', null, el('th', null, 'step \\ fault kind'), coverage.columns.map(function (kind) { return el('th', { class: 'kind' }, kind); }));
    var body = coverage.rows.map(function (row) {
      return el('tr', { 'data-row': row }, el('th', null, row), coverage.columns.map(function (kind) {
        var pair = kind + '@' + row;
        if (impossible[pair] !== undefined) return el('td', { class: 'impossible', title: pair + ': never occurs: ' + impossible[pair], 'data-pair': pair }, '×');
        var count = coverage.pairs.counts[pair] || 0;
        if (count === 0) return el('td', { class: 'uncovered num', title: pair + ': no case', 'data-pair': pair }, '0');
        return el('td', { class: 'covered num', style: 'background:' + heat(count, max) + (count / Math.max(1, max) > 0.5 ? ';color:#fff' : ''), title: pair + ': ' + count + ' case(s)', 'data-pair': pair }, fmtCount(count));
      }));
    });
    return el('table', { class: 'heatmap', id: 'step-fault-heatmap' }, el('thead', null, head), el('tbody', null, body));
  }

  function saturationCurve(coverage) {
    var points = coverage.curve.points;
    var width = 640, height = 240, left = 52, right = 16, top = 12, bottom = 36;
    var maxCases = points.length ? points[points.length - 1].cases : 1;
    var maxStates = 1;
    points.forEach(function (p) { maxStates = Math.max(maxStates, p.states); });
    var x = function (cases) { return left + (cases / Math.max(1, maxCases)) * (width - left - right); };
    var y = function (states) { return top + (1 - states / maxStates) * (height - top - bottom); };
    var plot = svg('svg', { class: 'curve', id: 'saturation-curve', viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'distinct abstract states against cases run' });
    plot.appendChild(svg('line', { x1: left, y1: y(0), x2: width - right, y2: y(0), stroke: '#8a93a3' }));
    plot.appendChild(svg('line', { x1: left, y1: top, x2: left, y2: y(0), stroke: '#8a93a3' }));
    [0, 0.5, 1].forEach(function (f) {
      var states = Math.round(maxStates * f);
      plot.appendChild(svg('text', { x: left - 6, y: y(states) + 3, 'text-anchor': 'end' }, String(states)));
      var cases = Math.round(maxCases * f);
      plot.appendChild(svg('text', { x: x(cases), y: height - bottom + 14, 'text-anchor': 'middle' }, fmtCount(cases)));
    });
    plot.appendChild(svg('text', { x: (left + width - right) / 2, y: height - 4, 'text-anchor': 'middle' }, 'cases'));
    plot.appendChild(svg('text', { x: 12, y: (top + height - bottom) / 2, 'text-anchor': 'middle', transform: 'rotate(-90 12 ' + (top + height - bottom) / 2 + ')' }, 'abstract states'));
    var path = 'M' + x(0) + ' ' + y(0) + points.map(function (p) { return ' L' + x(p.cases).toFixed(1) + ' ' + y(p.states).toFixed(1); }).join('');
    plot.appendChild(svg('path', { d: path, fill: 'none', stroke: '#1565c0', 'stroke-width': 2, class: 'curve-line' }));
    points.forEach(function (p) {
      plot.appendChild(svg('circle', { cx: x(p.cases).toFixed(1), cy: y(p.states).toFixed(1), r: 2.5, fill: '#1565c0', class: 'curve-point' }, svg('title', null, fmtCount(p.cases) + ' cases: ' + p.states + ' states, ' + p.pairs + ' pairs')));
    });
    return plot;
  }

  /** The abstract states reached, per component, with how many cases reached each (ids as in src/oracle/protocol-coverage/abstract-states.ts). */
  function abstractStatesTable(coverage) {
    var details = el('details', { id: 'abstract-states' }, el('summary', null, 'Abstract states reached, per component (cases)'));
    details.appendChild(el('p', { class: 'lead' }, 'C coordinator: pending checkpoints, a trigger in progress, requests queued behind it. T task: alignment (i idle, a aligning, u unaligned), channels blocked, snapshots pending, life (d deployed, r running, f finished, x failed). S sink: open, pre-committed transactions. J JobMaster: status (c created, r running, R restarting, s cancelling or suspended, t terminal), leader epoch changed.'));
    details.appendChild(el('table', { class: 'coverage' },
      el('thead', null, el('tr', null, el('th', null, 'component'), el('th', null, 'state'), el('th', null, 'cases'))),
      el('tbody', null, Object.keys(coverage.states.counts).map(function (state) {
        return el('tr', null, el('td', null, coverage.stateKinds[state.charAt(0)] || state.charAt(0)), el('td', null, el('code', null, state)), el('td', { class: 'num' }, fmtCount(coverage.states.counts[state])));
      }))));
    return details;
  }

  function coverageSection() {
    var coverage = data.coverage;
    var section = el('section', { id: 'coverage' });
    section.appendChild(el('h2', null, 'Coverage'));
    var slope = coverage.curve.lastSlope;
    var byKind = Object.keys(coverage.stateKinds).map(function (letter) {
      return coverage.stateKinds[letter] + ' ' + Object.keys(coverage.states.counts).filter(function (s) { return s.charAt(0) === letter; }).length;
    });
    section.appendChild(el('div', { class: 'totals' },
      el('div', null, el('b', null, coverage.pairs.covered + ' / ' + coverage.pairs.possible), el('span', null, 'step × fault pairs covered')),
      el('div', null, el('b', null, fmtCount(coverage.states.reached)), el('span', null, 'abstract states (' + byKind.join(', ') + ')')),
      el('div', null, el('b', null, fmtCount(slope.newStates)), el('span', null, 'new states in the last ' + fmtCount(Math.min(slope.window, coverage.cases)) + ' cases'))));
    section.appendChild(el('h3', null, 'Step × fault kind (cases)'));
    section.appendChild(el('p', { class: 'lead' }, 'Cases in which a fault of the kind took effect at the step (aimed at it) or within it (timed: the last step of the component it hits; start: before any), or while a user operation was in progress. × marks a pair that can never occur (hover for why).'));
    section.appendChild(el('div', { class: 'heatmap-box' }, coverageHeatMap(coverage)));
    section.appendChild(el('h3', null, 'Saturation: distinct abstract states as cases run'));
    section.appendChild(el('p', { class: 'lead' }, 'A flat curve means new cases no longer reach new abstract protocol states. Points every ' + fmtCount(coverage.curve.every) + ' cases and at the last case.'));
    section.appendChild(el('div', { class: 'timeline-box' }, saturationCurve(coverage)));
    section.appendChild(abstractStatesTable(coverage));
    return section;
  }

  /** The strategy's account (PCT's probability bound, the coverage strategy's mutated cases) and the saved corpus's re-run. */
  function explorationSection() {
    var section = el('section', { id: 'exploration' });
    section.appendChild(el('h2', null, 'Exploration'));
    if (data.strategy) section.appendChild(el('p', { class: 'lead', id: 'strategy-line' }, data.strategy));
    if (data.corpus) {
      section.appendChild(el('p', { class: 'lead', id: 'corpus-line' }, data.corpus.line));
      if (data.corpus.failing.length) {
        section.appendChild(el('ul', null, data.corpus.failing.map(function (entry) {
          return el('li', { class: 'violated' }, entry.file + ' fails now (' + entry.property + '): ', el('code', null, 'npx ckptsim replay ' + entry.replay));
        })));
      }
    }
    return section;
  }

  function timelinesNote(timelines) {
    if (timelines === 'not-passing') return ' · timelines kept for cases that did not pass';
    if (timelines === 'none') return ' · no timelines kept';
    return '';
  }

  function casesTable() {
    var section = el('section', { id: 'cases' });
    section.appendChild(el('h2', null, 'Cases'));
    section.appendChild(el('p', { class: 'lead' }, 'Click a case for its checkpoint timeline: each bar a checkpoint from trigger to completion (green) or abort (red, hover for the reason).'));
    if (data.casesNotListed) section.appendChild(el('p', { class: 'lead', id: 'cases-not-listed' }, fmtCount(data.casesNotListed) + ' passing case(s) are not listed here, to keep this page small enough to open; every case that did not pass is. results.json beside this page holds all ' + fmtCount(data.caseCount) + '.'));
    var scenarioSelect = el('select', { 'aria-label': 'scenario' }, el('option', { value: '' }, 'all scenarios'), data.scenarios.map(function (s) { return el('option', { value: s.name }, s.name); }));
    var verdictSelect = el('select', { 'aria-label': 'verdict' }, ['', 'pass', 'fail', 'expected-gap', 'undecided', 'nondeterministic'].map(function (v) { return el('option', { value: v }, v === '' ? 'any verdict' : v); }));
    var kindSelect = el('select', { 'aria-label': 'fault kind filter' }, el('option', { value: '' }, 'any fault kind'), data.faultKinds.map(function (k) { return el('option', { value: k }, k); }));
    var pageSize = 50;
    var page = 0;
    var pager = el('span', { class: 'pager' });
    var previous = el('button', { onclick: function () { if (page > 0) { page--; render(); } } }, '‹ previous');
    var next = el('button', { onclick: function () { page++; render(); } }, 'next ›');
    section.appendChild(el('div', { class: 'controls' }, scenarioSelect, verdictSelect, kindSelect, previous, next, pager));
    var holder = el('div');
    section.appendChild(holder);
    [scenarioSelect, verdictSelect, kindSelect].forEach(function (select) { select.addEventListener('change', function () { page = 0; render(); }); });
    function render() {
      var chosen = data.cases.filter(function (c) {
        return (!scenarioSelect.value || c.scenario === scenarioSelect.value) && (!verdictSelect.value || c.verdict === verdictSelect.value) && (!kindSelect.value || c.faultKinds.indexOf(kindSelect.value) >= 0);
      });
      var pages = Math.max(1, Math.ceil(chosen.length / pageSize));
      page = Math.min(page, pages - 1);
      pager.textContent = fmtCount(chosen.length) + ' cases, page ' + (page + 1) + ' of ' + pages;
      holder.textContent = '';
      var rows = [];
      chosen.slice(page * pageSize, (page + 1) * pageSize).forEach(function (c) {
        var detail = el('tr', { class: 'case-detail' });
        detail.style.display = 'none';
        var cell = el('td', { colspan: 8 });
        detail.appendChild(cell);
        var row = el('tr', { class: 'case-row', onclick: function () {
          var open = detail.style.display === 'none';
          detail.style.display = open ? '' : 'none';
          row.classList.toggle('selected', open);
          if (open && !cell.firstChild) {
            if (c.timeline) cell.appendChild(checkpointTimeline(c.timeline)); else cell.appendChild(el('span', { class: 'pager' }, data.parameters.timelines === 'not-passing' || data.parameters.timelines === 'none' ? 'no timeline recorded for this case (the sweep ran with --timelines ' + data.parameters.timelines + ')' : 'no timeline recorded for this case'));
            if (c.operations && c.operations.length) cell.appendChild(el('p', null, 'operations: ' + c.operations.join('; ')));
            if (c.violated.length) cell.appendChild(el('p', null, 'violated: ' + c.violated.join(', ') + (c.gaps.length ? ' (gaps: ' + c.gaps.join(', ') + ')' : '')));
            if (c.replay) cell.appendChild(commandBlock('npx ckptsim replay ' + c.replay));
          }
        } },
          el('td', null, c.scenario), el('td', { class: 'num' }, c.index), el('td', { class: 'verdict-' + c.verdict }, c.verdict),
          el('td', null, c.faultKinds.join(', ') || 'none'), el('td', { class: 'num' }, fmtCount(c.events)), el('td', { class: 'num' }, fmtUs(c.virtualTimeUs)),
          el('td', { class: 'num' }, c.checkpointsCompleted), el('td', { class: 'num' }, c.restores));
        rows.push(row, detail);
      });
      holder.appendChild(el('table', { class: 'cases' },
        el('thead', null, el('tr', null, ['scenario', 'case', 'verdict', 'fault kinds', 'events', 'virtual time', 'checkpoints', 'restores'].map(function (h) { return el('th', null, h); }))),
        el('tbody', null, rows)));
    }
    render();
    return section;
  }

  function plantedBugs() {
    var bugs = data.plantedBugs;
    var section = el('section', { id: 'planted-bugs' });
    section.appendChild(el('h2', null, 'Planted bugs (kill matrix): ' + bugs.killed + ' of ' + bugs.rows.length + ' caught'));
    section.appendChild(el('p', { class: 'lead' }, 'Each planted bug is switched on alone and run on this sweep\'s own cases, with no setup of its own, until a property catches it; the shrunk case is then re-run without the bug, which must pass.'));
    section.appendChild(el('table', null,
      el('thead', null, el('tr', null, ['planted bug', 'Flink bug', 'scenario', 'caught by', 'cases to detection', 'shrunk faults', 'control without the bug'].map(function (h) { return el('th', null, h); }))),
      el('tbody', null, bugs.rows.map(function (row) {
        return el('tr', null, el('td', null, row.bug), el('td', null, row.issue || '–'), el('td', null, row.scenario),
          el('td', { class: row.killed ? 'held' : row.knownSurvivor ? 'gap' : 'violated', title: row.knownSurvivor || '' }, row.killed ? row.property : row.knownSurvivor ? 'known survivor' : 'NOT CAUGHT'),
          el('td', { class: 'num' }, row.killed ? row.casesToDetection : '–'), el('td', { class: 'num' }, row.killed ? row.shrunkFaults : '–'),
          el('td', { class: row.controlPassed === false ? 'violated' : 'held' }, row.controlPassed === undefined ? '–' : row.controlPassed ? 'passes' : 'FAILS'));
      }))));
    return section;
  }

  function renderSweep() {
    var failed = data.scenarios.reduce(function (t, s) { return t + s.failed + s.nondeterministic; }, 0);
    var gaps = data.scenarios.reduce(function (t, s) { return t + s.expectedGaps; }, 0);
    root.appendChild(el('h1', null, data.title));
    root.appendChild(el('p', { class: 'lead' }, fmtCount(data.caseCount) + ' cases · ' + data.parameters.runsPerScenario + ' per scenario · seed ' + data.parameters.seed + ' · profile ' + data.parameters.profile +
      (data.parameters.vary ? ' · varied parameters and config' : '') + timelinesNote(data.parameters.timelines) + ' · shards ' + data.shards.join(', ') + ' · ' + data.environment.tool + ' on Node ' + data.environment.node + ', ' + data.environment.cpus + ' CPU(s)'));
    if (data.interrupted) root.appendChild(el('div', { class: 'banner interrupted' }, 'Interrupted: these results cover only the cases that finished.'));
    if (data.missingShards && data.missingShards.length) root.appendChild(el('div', { class: 'banner interrupted' }, 'Partial: merged without shard(s) ' + data.missingShards.join(', ') + ' (--allow-partial); their cases are not here.'));
    root.appendChild(el('div', { class: 'banner ' + (failed === 0 ? 'pass' : 'fail'), id: 'verdict' }, failed === 0 ? 'No property violated in ' + fmtCount(data.caseCount) + ' cases' + (gaps ? ' (' + gaps + ' expected gap(s), explained below)' : '') + '.' : failed + ' failing case(s): see Failures below.'));
    var totalEvents = data.scenarios.reduce(function (t, s) { return t + s.events; }, 0);
    var totalVirtual = data.scenarios.reduce(function (t, s) { return t + s.virtualTimeUs; }, 0);
    root.appendChild(el('div', { class: 'totals' },
      el('div', null, el('b', null, fmtCount(data.caseCount)), el('span', null, 'cases')),
      el('div', null, el('b', null, fmtCount(failed)), el('span', null, 'failed')),
      el('div', null, el('b', null, fmtCount(gaps)), el('span', null, 'expected gaps')),
      el('div', null, el('b', null, fmtCount(totalEvents)), el('span', null, 'simulated events')),
      el('div', null, el('b', null, fmtUs(totalVirtual)), el('span', null, 'virtual time')),
      el('div', null, el('b', null, (data.timing.wallMs / 1000).toFixed(1) + ' s'), el('span', null, 'wall time, ' + data.timing.casesPerSecond.toFixed(1) + ' cases/s'))));
    root.appendChild(el('table', { class: 'scenarios' },
      el('thead', null, el('tr', null, ['scenario', 'cases', 'passed', 'failed', 'expected gaps', 'nondeterministic', 'events'].map(function (h) { return el('th', null, h); }))),
      el('tbody', null, data.scenarios.map(function (s) {
        return el('tr', null, el('td', null, s.name), el('td', { class: 'num' }, s.cases), el('td', { class: 'num' }, s.passed), el('td', { class: 'num' + (s.failed ? ' violated' : '') }, s.failed),
          el('td', { class: 'num' + (s.expectedGaps ? ' gap' : '') }, s.expectedGaps), el('td', { class: 'num' + (s.nondeterministic ? ' violated' : '') }, s.nondeterministic), el('td', { class: 'num' }, fmtCount(s.events)));
      }))));
    root.appendChild(verdictMatrix());
    if (data.coverage) root.appendChild(coverageSection());
    if (data.strategy || data.corpus) root.appendChild(explorationSection());
    if (data.plantedBugs) root.appendChild(plantedBugs());
    var failures = el('section', { id: 'failures' });
    failures.appendChild(el('h2', null, 'Failures (' + data.failures.length + ')'));
    if (data.failures.length === 0) failures.appendChild(el('p', { class: 'lead' }, 'None.'));
    data.failures.forEach(function (entry) { failures.appendChild(caseCard(entry, 'failure')); });
    if (data.failuresOmitted) failures.appendChild(el('p', { class: 'lead' }, data.failuresOmitted + ' more failing case(s) are listed in the cases table and results.json without diagrams.'));
    root.appendChild(failures);
    if (data.gapExamples.length) {
      var gapSection = el('section', { id: 'gaps' });
      gapSection.appendChild(el('h2', null, 'Expected gaps (' + gaps + ' case(s); ' + data.gapExamples.length + ' shown)'));
      gapSection.appendChild(el('p', { class: 'lead' }, 'Cases where a property was violated in a way a documented limit of the protocol explains (for example a lost stop-with-savepoint notification). They are not failures; they are here so you can see what the limit looks like.'));
      data.gapExamples.forEach(function (entry) { gapSection.appendChild(caseCard(entry, 'gap')); });
      root.appendChild(gapSection);
    }
    root.appendChild(casesTable());
  }

  function renderCase() {
    var c = data.case;
    root.appendChild(el('h1', null, data.title));
    root.appendChild(el('p', { class: 'lead' }, 'scenario ' + c.scenario + ' · seed ' + c.seed + ' · ' + fmtCount(c.stats.events) + ' events · ' + fmtUs(c.stats.virtualTimeUs) + ' virtual · outcome ' + c.outcome + ' · job ' + c.jobStatus + ' · trace ' + c.traceHash));
    var failing = c.verdict === 'fail';
    root.appendChild(el('div', { class: 'banner ' + (failing ? 'fail' : 'pass'), id: 'verdict' }, failing ? 'Failed: ' + c.violations.length + ' violation(s).' : c.verdict === 'expected-gap' ? 'Expected gap: the violations are explained by a documented limit.' : c.verdict === 'undecided' ? 'Undecided: nothing was violated, but a property could not be decided within the oracle\'s bound (below).' : 'Passed: every declared property held.'));
    if (c.violations.length) {
      root.appendChild(el('h2', null, 'Violations'));
      root.appendChild(el('table', null, el('thead', null, el('tr', null, el('th', null, 'time'), el('th', null, 'property'), el('th', null, 'what went wrong'))),
        el('tbody', null, c.violations.map(function (v) { return el('tr', null, el('td', { class: 'num' }, fmtUs(v.timeUs)), el('td', null, v.property), el('td', null, v.message)); }))));
    }
    root.appendChild(el('h2', null, 'Fault plan'));
    root.appendChild(el('pre', null, JSON.stringify(c.faults, null, 1)));
    root.appendChild(el('h2', null, 'Replay'));
    root.appendChild(commandBlock('npx ckptsim replay ' + c.replay));
    root.appendChild(el('h2', null, 'Checkpoints'));
    root.appendChild(checkpointTimeline(c.timeline));
    root.appendChild(el('h2', null, 'Space-time diagram'));
    root.appendChild(el('p', { class: 'lead' }, 'One lane per JobMaster, executor and task; arrows are messages (RPCs and network buffers) from sending to arrival, dashed red when lost to a crash. Faults are triangles; the red line marks the first violation.'));
    root.appendChild(spaceTime(c.diagram));
  }

  try {
    if (data.kind === 'sweep') renderSweep(); else renderCase();
    root.appendChild(el('footer', null, 'Generated by ' + data.tool + '. Self-contained: no network access needed.'));
    document.body.setAttribute('data-rendered', 'true');
  } catch (error) {
    root.appendChild(el('pre', null, 'The report could not be rendered: ' + (error && error.stack ? error.stack : String(error))));
    throw error;
  }
})();
