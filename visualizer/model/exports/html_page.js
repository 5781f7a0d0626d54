// The chart of an asyncio-visualizer page: one canvas, drawn from the columns the page
// embeds (visualizer/model/exports/html.py says what they are). No library, no network.
// A frame draws only what is in view: the spans of the lanes shown (found by binary
// search: each lane's spans are sorted by start and tile its life), as bars when lanes
// are tall and few spans show, else as an image of coverage (a pixel per lane and time
// column, coloured by the state that fills it), and from the embedded overview levels
// where the page holds no exact spans or too many would show.
"use strict";

(function () {
  const BAR = 0.64; // a bar's height, as a share of its lane (as the window draws it)
  const MAX_LANE_PX = 26; // lanes no taller than this when the run is fitted
  const BAR_LIMIT = 150000; // above this many spans in view: an image, not bars
  const RASTER_LIMIT = 100000; // above this many: the overview levels, if the page has them
  const NAMES_MIN = 90, NAMES_MAX = 240, AXIS_H = 26, PICK_PX = 4;
  const TYPES = { f8: Float64Array, i4: Int32Array, i1: Int8Array, u1: Uint8Array };

  const D = JSON.parse(document.getElementById("asyncviz-data").textContent);
  const C = D.colours;
  const canvas = document.getElementById("canvas");
  const ctx = canvas.getContext("2d");
  const tip = document.getElementById("tip");
  const S = D.strings;
  const str = (i) => (i >= 0 && i < S.length ? S[i] : null);

  function bytesOf(text) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
    const raw = atob(text);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  async function unpack(p) {
    const stream = new Blob([bytesOf(p.data)]).stream().pipeThrough(new DecompressionStream("deflate"));
    let bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    const Type = TYPES[p.type];
    const size = Type.BYTES_PER_ELEMENT;
    if (p.shuffled) { // a float's bytes were grouped by place: put them back
      const out = new Uint8Array(bytes.length);
      for (let k = 0; k < size; k++) {
        const from = k * p.n;
        for (let i = 0; i < p.n; i++) out[i * size + k] = bytes[from + i];
      }
      bytes = out;
    }
    if (bytes.length !== p.n * size) throw new Error("a column of the page is damaged");
    return new Type(bytes.buffer, 0, p.n);
  }

  async function unpackAll(group) {
    const out = {};
    for (const key of Object.keys(group)) if (group[key].data !== undefined) out[key] = await unpack(group[key]);
    return out;
  }

  // ---- text -------------------------------------------------------------------------
  function seconds(v) { // as the window's details say it: 1.250 s, 12.345 ms, 8.0 us
    const m = Math.abs(v);
    if (m >= 1) return v.toFixed(3) + " s";
    if (m >= 1e-3) return (v * 1e3).toFixed(3) + " ms";
    return (v * 1e6).toFixed(1) + " us";
  }

  function tickLabel(v, step, far) { // the unit by the view's reach, the places by the step
    const unit = far >= 1 ? 1 : far >= 1e-3 ? 1e-3 : 1e-6;
    const places = Math.min(9, Math.max(0, -Math.floor(Math.log10(step / unit) + 1e-9)));
    return (v / unit).toFixed(places) + (unit === 1 ? " s" : unit === 1e-3 ? " ms" : " us");
  }

  function rgb(hex) { return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)); }

  // ---- the page around the chart ----------------------------------------------------
  function header() {
    const m = D.meta;
    const parts = [];
    if (m.source) parts.push(m.source);
    if (m.clock) parts.push(m.clock + " clock");
    parts.push(seconds(D.duration));
    parts.push(D.lanes.toLocaleString("en") + " tasks");
    if (m.python) parts.push("Python " + m.python);
    if (m.loop) parts.push(m.loop);
    if (m.params) parts.push("params " + m.params);
    if (m.dropped_events && m.dropped_events !== "0") parts.push("cut short at " + m.truncated_at + " s (" + m.dropped_events + " events dropped)");
    parts.push("written " + D.written);
    document.getElementById("meta").textContent = parts.join(" \u00b7 ");
    const legend = document.getElementById("legend");
    for (const [key, words] of D.legend) {
      const span = document.createElement("span");
      span.className = "key";
      const swatch = document.createElement("i");
      swatch.style.background = C[key];
      swatch.className = key; // (the glyph's shape: a dot for done, a star for a warning ...)
      const text = document.createElement("b");
      text.textContent = words;
      span.append(swatch, text);
      legend.append(span);
    }
    if (D.exact.lanes < D.lanes) {
      document.getElementById("cut").textContent =
        "This page holds the exact spans of the first " + D.exact.lanes.toLocaleString("en") +
        " lanes (" + D.exact.spans.toLocaleString("en") + " spans); the other " +
        (D.lanes - D.exact.lanes).toLocaleString("en") +
        " are drawn from an overview, however far you zoom in (the trace file has them all).";
    }
  }

  // ---- state --------------------------------------------------------------------------
  let T, P, R, levels, laneOfTask, rowsFirst;
  const view = { t0: 0, t1: 1, top: 0, laneH: 10 };
  let W = 0, H = 0, namesW = NAMES_MIN, hover = null;
  const shades = []; // cell code -> [r, g, b, a]

  function total() { return D.lanes + R.names.length; }
  function plotH() { return Math.max(1, H - AXIS_H); }
  function xOf(t) { return namesW + (t - view.t0) / (view.t1 - view.t0) * (W - namesW); }
  function tOf(x) { return view.t0 + (x - namesW) / (W - namesW) * (view.t1 - view.t0); }

  function lower(a, lo, hi, v) { // first index in [lo, hi) with a[i] >= v
    while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid] < v) lo = mid + 1; else hi = mid; }
    return lo;
  }

  function fit() {
    const end = Math.max(D.duration, 1e-9);
    view.t0 = -end * 0.01; view.t1 = end * 1.01; view.top = 0;
    view.laneH = Math.min(MAX_LANE_PX, plotH() / Math.max(total(), 1));
    draw();
  }

  function clampView() {
    const end = Math.max(D.duration, 1e-9);
    const span = Math.min(Math.max(view.t1 - view.t0, end * 1e-9, 1e-9), end * 20);
    const mid = Math.min(Math.max((view.t0 + view.t1) / 2, -end), end * 2);
    view.t0 = mid - span / 2; view.t1 = mid + span / 2;
    view.laneH = Math.min(Math.max(view.laneH, plotH() / Math.max(total(), 1) / 4, 1e-6), 200);
    const shown = plotH() / view.laneH;
    view.top = Math.min(Math.max(view.top, -shown / 2), Math.max(total() - shown / 2, 0));
  }

  // ---- drawing --------------------------------------------------------------------
  function shadeTable() {
    const bg = rgb(C.background), steps = D.opacity_steps;
    shades.length = 0; shades.push([bg[0], bg[1], bg[2], 255]);
    for (let s = 0; s < 3; s++) {
      const c = rgb(C[D.states[s]]);
      for (let k = 1; k <= steps; k++) {
        const a = k / steps;
        shades.push([0, 1, 2].map((i) => Math.round(c[i] * a + bg[i] * (1 - a))).concat(255));
      }
    }
  }

  function stateColour(s) { return C[D.states[s]]; }

  let last = { ms: 0, mode: "", spans: 0 };

  function draw() {
    const began = performance.now();
    const dpr = window.devicePixelRatio || 1;
    W = canvas.clientWidth; H = canvas.clientHeight;
    if (canvas.width !== Math.round(W * dpr) || canvas.height !== Math.round(H * dpr)) {
      canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
    }
    namesW = Math.round(Math.min(NAMES_MAX, Math.max(NAMES_MIN, W * 0.18)));
    clampView();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = C.background; ctx.fillRect(0, 0, W, H);
    ctx.save();
    ctx.beginPath(); ctx.rect(namesW, 0, W - namesW, plotH()); ctx.clip();
    drawGrid();
    for (const [a, b] of D.blocked) { // the loop held: a red band across every row
      ctx.fillStyle = C.blocked;
      const x0 = xOf(a); ctx.fillRect(x0, 0, Math.max(xOf(b) - x0, 1), plotH());
    }
    const first = Math.max(0, Math.floor(view.top));
    const lastRow = Math.min(total() - 1, Math.floor(view.top + plotH() / view.laneH));
    last.mode = ""; last.spans = 0;
    if (first < D.lanes) drawLanes(first, Math.min(lastRow, D.lanes - 1));
    if (lastRow >= D.lanes) drawRows(Math.max(first, D.lanes), lastRow);
    drawMarks(first, lastRow);
    if (hover && hover.span >= 0) outline(hover);
    ctx.restore();
    drawNames(first, lastRow);
    drawAxis();
    last.ms = performance.now() - began;
    return last.ms;
  }

  function rowY(row) { return (row - view.top) * view.laneH; }

  function drawGrid() {
    if (D.lanes && rowY(D.lanes) < plotH()) { // the rows under the lanes: a line above them
      ctx.fillStyle = C.grid; ctx.fillRect(namesW, rowY(D.lanes) - 1, W - namesW, 1);
    }
  }

  function visible(lo, hi) { // spans in view in the exact lanes lo..hi, counted
    let n = 0;
    for (let lane = lo; lane <= hi; lane++) {
      const a = P.first[lane], b = P.first[lane + 1];
      n += lower(P.start, a, b, view.t1) - lower(P.end, a, b, view.t0);
    }
    return n;
  }

  function drawLanes(lo, hi) {
    const exactHi = Math.min(hi, D.exact.lanes - 1);
    if (lo <= exactHi) {
      const n = visible(lo, exactHi);
      last.spans = n;
      if (view.laneH >= 3 && n <= BAR_LIMIT) { drawBars(lo, exactHi); last.mode = "bars"; }
      else if (n <= RASTER_LIMIT || !levels.length) { drawCoverage(lo, exactHi); last.mode = "coverage"; }
      else { drawLevels(lo, exactHi); last.mode = "levels"; }
    }
    if (hi >= D.exact.lanes) {
      drawLevels(Math.max(lo, D.exact.lanes), hi);
      last.mode = last.mode ? last.mode + "+levels" : "levels";
    }
  }

  function drawBars(lo, hi) {
    // per state, one path of rectangles; a bar at least a pixel wide, and where narrow
    // bars share a pixel the one drawn is running's, then ready's (a step is what happened)
    const paths = [new Path2D(), new Path2D(), new Path2D()];
    const h = view.laneH * BAR;
    const rank = [1, 2, 0]; // ready, running, suspended: which wins a shared pixel
    for (let lane = lo; lane <= hi; lane++) {
      const a = P.first[lane], b = P.first[lane + 1];
      const y = rowY(lane) + (view.laneH - h) / 2;
      let px = -1, pxState = -1;
      for (let i = lower(P.end, a, b, view.t0); i < b && P.start[i] <= view.t1; i++) {
        const x0 = xOf(P.start[i]), x1 = xOf(P.end[i]), s = P.state[i];
        if (x1 - x0 >= 1) { paths[s].rect(x0, y, x1 - x0, h); px = Math.floor(x1); pxState = -1; continue; }
        const p = Math.floor(x0);
        if (p === px && pxState >= 0 && rank[pxState] >= rank[s]) continue;
        paths[s].rect(p, y, 1, h); px = p; pxState = s;
      }
    }
    for (const s of [2, 0, 1]) { ctx.fillStyle = stateColour(s); ctx.fill(paths[s]); }
    if (view.laneH >= 12) drawLabels(lo, hi);
    if (view.laneH >= 10) drawOutcomes(lo, hi);
  }

  function drawLabels(lo, hi) { // what a wide suspended bar awaited, written in it
    ctx.font = Math.min(12, Math.floor(view.laneH * 0.5)) + "px system-ui, sans-serif";
    ctx.fillStyle = C.label; ctx.textBaseline = "middle";
    for (let lane = lo; lane <= hi; lane++) {
      const a = P.first[lane], b = P.first[lane + 1], y = rowY(lane) + view.laneH / 2;
      for (let i = lower(P.end, a, b, view.t0); i < b && P.start[i] <= view.t1; i++) {
        const x0 = Math.max(xOf(P.start[i]), namesW), x1 = Math.min(xOf(P.end[i]), W);
        if (x1 - x0 < 60 || P.awaiting[i] < 0 || P.awaiting[i] >= D.suspensions.length) continue;
        ctx.fillText(clip(str(D.suspensions[P.awaiting[i]][0]) || "", x1 - x0 - 10), x0 + 5, y);
      }
    }
    ctx.textBaseline = "alphabetic";
  }

  function drawOutcomes(lo, hi) { // how each task ended, at its end (the window's glyphs)
    const r = Math.min(view.laneH * 0.28, 6);
    for (let lane = lo; lane <= hi; lane++) {
      const end = T.ended[lane], o = D.outcomes[T.outcome[lane]];
      if (end < 0 || o === "pending" || end < view.t0 || end > view.t1) continue;
      glyph(o, xOf(end), rowY(lane) + view.laneH / 2, r);
    }
  }

  function glyph(kind, x, y, r) {
    ctx.fillStyle = C[kind]; ctx.strokeStyle = C[kind]; ctx.lineWidth = 2;
    ctx.beginPath();
    if (kind === "done") { ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fill(); }
    else if (kind === "error") { ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r); ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r); ctx.stroke(); }
    else if (kind === "cancelled") { ctx.fillRect(x - r, y - r, 2 * r, 2 * r); }
    else if (kind === "warning") { for (let k = 0; k < 10; k++) { const a = Math.PI / 5 * k - Math.PI / 2, q = k % 2 ? r * 0.45 : r; ctx.lineTo(x + q * Math.cos(a), y + q * Math.sin(a)); } ctx.closePath(); ctx.fill(); }
    else { ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y - r); ctx.lineTo(x, y + r * 0.7); ctx.closePath(); ctx.fill(); }
  }

  // an image of (pixel row, pixel column) cells of the plot: filled by a pass over spans
  // or over a level, then shaded and painted
  function plotImage(lo, hi) {
    const y0 = Math.max(0, Math.floor(rowY(lo))), y1 = Math.min(plotH(), Math.ceil(rowY(hi + 1)));
    return { y0, rows: Math.max(0, y1 - y0), x0: namesW, cols: Math.max(1, Math.floor(W - namesW)) };
  }

  function paintCodes(img, code) { // code(row, col) -> shade index
    if (!img.rows) return;
    const data = new ImageData(img.cols, img.rows);
    const px = new Uint32Array(data.data.buffer);
    const packed = shades.map(([r, g, b, a]) => ((a << 24) | (b << 16) | (g << 8) | r) >>> 0);
    code(px, packed);
    const off = new OffscreenCanvas(img.cols, img.rows);
    off.getContext("2d").putImageData(data, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, img.x0, img.y0);
  }

  function drawCoverage(lo, hi) {
    // pixel row of each lane: several lanes share one when lanes are under a pixel
    const img = plotImage(lo, hi);
    const cols = img.cols, rows = img.rows;
    if (!rows) return;
    const cover = new Float32Array(3 * rows * cols);
    const inner = new Float32Array(3 * rows * (cols + 1));
    const lanesPerRow = new Float32Array(rows);
    const spp = (view.t1 - view.t0) / (W - namesW);
    for (let lane = lo; lane <= hi; lane++) {
      const y = rowY(lane);
      const r0 = Math.max(0, Math.floor(y) - img.y0), r1 = Math.min(rows, Math.max(r0 + 1, Math.ceil(y + view.laneH) - img.y0));
      if (r0 >= rows) continue;
      for (let r = r0; r < r1; r++) lanesPerRow[r] += 1;
      const a = P.first[lane], b = P.first[lane + 1];
      for (let i = lower(P.end, a, b, view.t0); i < b && P.start[i] <= view.t1; i++) {
        const ca = Math.min(Math.max((P.start[i] - view.t0) / spp, 0), cols), cb = Math.min(Math.max((P.end[i] - view.t0) / spp, 0), cols);
        const fa = Math.min(Math.floor(ca), cols - 1), fb = Math.min(Math.floor(cb), cols - 1);
        for (let r = r0; r < r1; r++) {
          const base = (P.state[i] * rows + r) * cols;
          if (fa === fb) { cover[base + fa] += cb - ca; continue; }
          cover[base + fa] += fa + 1 - ca; cover[base + fb] += cb - fb;
          const ib = (P.state[i] * rows + r) * (cols + 1);
          inner[ib + fa + 1] += 1; inner[ib + fb] -= 1;
        }
      }
    }
    for (let sr = 0; sr < 3 * rows; sr++) { // the long spans: a running sum per row
      let run = 0; const ib = sr * (cols + 1), base = sr * cols;
      for (let c = 0; c < cols; c++) { run += inner[ib + c]; cover[base + c] += run; }
    }
    const steps = D.opacity_steps, n = rows * cols;
    paintCodes(img, (px, packed) => {
      for (let r = 0; r < rows; r++) {
        const per = Math.max(lanesPerRow[r], 1);
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          const rd = cover[i] / per, ru = cover[n + i] / per, su = cover[2 * n + i] / per;
          const totalCover = Math.min(rd + ru + su, 1);
          if (totalCover <= 1e-9) continue;
          const s = ru * 4 >= rd * 4 && ru * 4 >= su ? 1 : rd * 4 >= su ? 0 : 2;
          px[i] = packed[1 + s * steps + Math.max(1, Math.ceil(totalCover * steps - 1e-6)) - 1];
        }
      }
    });
  }

  function pickLevel() {
    const lanesPerPx = 1 / view.laneH, spp = (view.t1 - view.t0) / (W - namesW);
    let group = levels[0].group;
    for (const l of levels) if (l.group <= Math.max(1, lanesPerPx) && l.group > group) group = l.group;
    let best = null;
    for (const l of levels) {
      if (l.group !== group) continue;
      if (!best || (l.width <= spp && l.width > best.width) || (best.width > spp && l.width < best.width)) best = l;
    }
    return best;
  }

  function drawLevels(lo, hi) {
    const level = pickLevel();
    const img = plotImage(lo, hi);
    const cols = img.cols, rows = img.rows;
    const spp = (view.t1 - view.t0) / (W - namesW);
    const colOf = new Int32Array(cols);
    for (let c = 0; c < cols; c++) {
      const k = Math.floor((view.t0 + (c + 0.5) * spp) / level.width);
      colOf[c] = k >= 0 && k < level.columns ? k : -1;
    }
    paintCodes(img, (px, packed) => {
      for (let r = 0; r < rows; r++) {
        const lane = Math.floor(view.top + (img.y0 + r + 0.5) / view.laneH);
        if (lane < lo || lane > hi) continue;
        const base = Math.floor(lane / level.group) * level.columns;
        for (let c = 0; c < cols; c++) {
          if (colOf[c] < 0) continue;
          const code = level.cells[base + colOf[c]];
          if (code) px[r * cols + c] = packed[code];
        }
      }
    });
  }

  function drawRows(lo, hi) { // the loop's row and the threads': bars, joined per pixel
    const h = Math.max(view.laneH * BAR, 1);
    ctx.fillStyle = C.running;
    for (let row = lo; row <= hi; row++) {
      const k = row - D.lanes, a = rowsFirst[k], b = rowsFirst[k + 1];
      const y = rowY(row) + (view.laneH - h) / 2;
      const tp = (view.t1 - view.t0) / (W - namesW);
      let i = lower(R.end, a, b, view.t0);
      while (i < b && R.start[i] <= view.t1) {
        const x0 = xOf(R.start[i]), x1 = xOf(R.end[i]);
        ctx.fillRect(x0, y, Math.max(x1 - x0, 1), h);
        if (x1 - x0 > 50 && view.laneH >= 12 && R.label[i] >= 0) {
          ctx.save(); ctx.fillStyle = C.background; ctx.font = "11px system-ui, sans-serif";
          ctx.beginPath(); ctx.rect(x0, y, x1 - x0, h); ctx.clip();
          ctx.fillText(str(R.label[i]), Math.max(x0, namesW) + 3, y + h / 2 + 4); ctx.restore();
        }
        // the next bar that reaches past this pixel (a million steps: a few hundred bars)
        i = x1 - x0 < 1 ? Math.max(i + 1, lower(R.end, i + 1, b, view.t0 + (Math.floor(x1) + 1 - namesW) * tp)) : i + 1;
      }
    }
  }

  function drawMarks(lo, hi) {
    const r = Math.max(3, Math.min(view.laneH * 0.3, 6));
    for (const [t, lane, kind, label] of D.marks) {
      const row = lane >= 0 ? lane : D.lanes; // (none: the loop's row)
      if (row < lo || row > hi || t < view.t0 || t > view.t1) continue;
      glyph(kind === "warning" ? "warning" : "note", xOf(t), rowY(row) + Math.min(r, view.laneH / 2), r);
    }
  }

  function outline(h) {
    ctx.strokeStyle = C.foreground; ctx.lineWidth = 1.5;
    const x0 = xOf(h.start), x1 = xOf(h.end), bh = Math.max(view.laneH * BAR, 2);
    ctx.strokeRect(x0 - 1, rowY(h.row) + (view.laneH - bh) / 2 - 1, Math.max(x1 - x0, 1) + 2, bh + 2);
  }

  function drawNames(lo, hi) {
    ctx.fillStyle = "#f8f9fa"; ctx.fillRect(0, 0, namesW, plotH());
    ctx.fillStyle = C.grid; ctx.fillRect(namesW - 1, 0, 1, plotH());
    ctx.fillStyle = C.foreground;
    if (view.laneH >= 9) {
      const size = Math.min(12, Math.floor(view.laneH * 0.8));
      ctx.font = size + "px system-ui, sans-serif";
      ctx.textBaseline = "middle";
      for (let row = lo; row <= hi; row++) {
        const name = row < D.lanes ? str(T.name[row]) : R.names[row - D.lanes];
        ctx.fillText(clip(name || "", namesW - 10), 6, rowY(row) + view.laneH / 2);
      }
    } else { // lanes too thin for words: which lanes these are
      ctx.font = "11px system-ui, sans-serif"; ctx.textBaseline = "top";
      const shownHi = Math.min(hi, D.lanes - 1);
      ctx.fillText("lanes " + (lo + 1).toLocaleString("en") + "\u2013" + (shownHi + 1).toLocaleString("en"), 6, 6);
      ctx.fillText("of " + D.lanes.toLocaleString("en"), 6, 20);
      if (D.exact.lanes < D.lanes && rowY(D.exact.lanes) > 0 && rowY(D.exact.lanes) < plotH()) {
        ctx.fillStyle = "#a04000"; ctx.fillRect(0, rowY(D.exact.lanes), namesW, 1);
        ctx.fillText("overview only below", 6, rowY(D.exact.lanes) + 3);
      }
    }
    ctx.textBaseline = "alphabetic";
  }

  function clip(text, width) {
    if (ctx.measureText(text).width <= width) return text;
    let lo = 0, hi = text.length;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ctx.measureText(text.slice(0, mid) + "\u2026").width <= width) lo = mid; else hi = mid - 1; }
    return text.slice(0, lo) + "\u2026";
  }

  function drawAxis() {
    const y = plotH();
    ctx.fillStyle = C.background; ctx.fillRect(0, y, W, AXIS_H);
    ctx.fillStyle = C.foreground; ctx.fillRect(namesW, y, W - namesW, 1);
    const spanT = view.t1 - view.t0, want = spanT / Math.max((W - namesW) / 110, 1);
    const p = Math.pow(10, Math.floor(Math.log10(want)));
    const step = [1, 2, 5, 10].map((k) => k * p).find((s) => s >= want) || 10 * p;
    ctx.font = "11px system-ui, sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (let t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
      const x = xOf(t);
      if (x < namesW) continue;
      ctx.fillRect(Math.round(x), y, 1, 5);
      const words = tickLabel(Math.abs(t) < step / 1e6 ? 0 : t, step, Math.max(Math.abs(view.t0), Math.abs(view.t1)));
      if (x + ctx.measureText(words).width / 2 > W) continue; // (cut at the edge: not at all)
      ctx.fillText(words, x, y + 7);
    }
    ctx.textAlign = "start"; ctx.textBaseline = "alphabetic";
  }

  // ---- hover ------------------------------------------------------------------------
  function pick(x, y) {
    if (x < namesW || y >= plotH()) return null;
    const row = Math.floor(view.top + y / view.laneH);
    const t = tOf(x), tol = PICK_PX * (view.t1 - view.t0) / (W - namesW);
    if (row < 0 || row >= total()) return null;
    if (row >= D.lanes) {
      const k = row - D.lanes, a = rowsFirst[k], b = rowsFirst[k + 1];
      const i = lower(R.end, a, b, t - tol);
      if (i < b && R.start[i] <= t + tol) return { row, span: -1, bar: i, start: R.start[i], end: R.end[i] };
      return { row, span: -1, bar: -1 };
    }
    if (row >= D.exact.lanes) return { row, span: -1, bar: -1 };
    const a = P.first[row], b = P.first[row + 1];
    let i = lower(P.end, a, b, t);
    if (i >= b || P.start[i] > t) { // between: the nearest within a few pixels
      const before = i - 1 >= a && t - P.end[i - 1] <= tol ? i - 1 : -1;
      const after = i < b && P.start[i] - t <= tol ? i : -1;
      i = before >= 0 && (after < 0 || t - P.end[before] <= P.start[after] - t) ? before : after;
    }
    if (i < 0) return { row, span: -1, bar: -1 };
    return { row, span: i, start: P.start[i], end: P.end[i] };
  }

  function taskName(id) {
    const lane = id >= 0 && id < laneOfTask.length ? laneOfTask[id] : -1;
    return lane >= 0 ? str(T.name[lane]) + " (#" + id + ")" : "task " + id;
  }

  function details(h) {
    const fields = [];
    let title;
    if (h.row >= D.lanes) {
      title = R.names[h.row - D.lanes];
      if (h.bar >= 0) {
        if (R.label[h.bar] >= 0) fields.push(["job", str(R.label[h.bar])]);
        fields.push(["from", seconds(h.start)], ["to", seconds(h.end)], ["lasted", seconds(h.end - h.start)]);
      }
      return { title, fields };
    }
    const lane = h.row, outcome = D.outcomes[T.outcome[lane]];
    if (h.span >= 0) {
      const i = h.span, state = D.states[P.state[i]];
      title = str(T.name[lane]) + ": " + state;
      fields.push(["state", state], ["from", seconds(P.start[i])], ["to", seconds(P.end[i])], ["lasted", seconds(P.end[i] - P.start[i])]);
      if (P.awaiting[i] >= 0 && P.awaiting[i] < D.suspensions.length) {
        const [label, site] = D.suspensions[P.awaiting[i]];
        fields.push(["awaiting", str(label)], ["at", str(site) || "(no line of user code)"]);
      }
      const kind = P.woken_kind[i], waker = P.woken_task[i];
      if (kind >= 0) {
        const name = D.wakes[kind], who = waker >= 0 ? taskName(waker) : "";
        const text = name === "created" ? (who ? "created by " + who : "created by a callback")
          : name === "task" ? (who ? who + "'s step" : "a task's step")
          : name === "cancel" ? (who ? "cancel() by " + who : "cancel()") : name;
        fields.push(["woken by", text]);
      }
    } else {
      title = str(T.name[lane]);
      if (lane >= D.exact.lanes) fields.push(["spans", "not in this page (past its first " + D.exact.lanes.toLocaleString("en") + " lanes)"]);
    }
    const parent = T.parent[lane];
    fields.push(["task", str(T.name[lane]) + " (#" + T.id[lane] + ")"], ["coroutine", str(T.coro[lane])]);
    fields.push(["parent", parent >= 0 ? taskName(parent) : "none"]);
    fields.push(["created", seconds(T.created[lane]) + " at " + (str(T.created_at[lane]) || "(no line of user code)")]);
    fields.push(["outcome", T.error[lane] >= 0 ? outcome + ": " + str(T.error[lane]) : outcome]);
    if (T.ended[lane] >= 0) fields.push(["ended", seconds(T.ended[lane])]);
    if (T.cancelled_at[lane] >= 0) fields.push(["cancelled at", str(T.cancelled_at[lane])]);
    return { title, fields };
  }

  function showTip(h, clientX, clientY) {
    if (!h || (h.span < 0 && h.bar < 0 && h.row >= D.lanes)) { tip.style.display = "none"; return; }
    const d = details(h);
    tip.replaceChildren();
    const head = document.createElement("h2"); head.textContent = d.title;
    const table = document.createElement("table");
    for (const [k, v] of d.fields) {
      const tr = table.insertRow();
      tr.insertCell().textContent = k; tr.insertCell().textContent = v;
    }
    tip.append(head, table);
    tip.style.display = "block";
    const box = tip.getBoundingClientRect();
    tip.style.left = Math.min(clientX + 14, window.innerWidth - box.width - 4) + "px";
    tip.style.top = (clientY + 14 + box.height > window.innerHeight ? clientY - box.height - 10 : clientY + 14) + "px";
  }

  // ---- zoom and pan -------------------------------------------------------------------
  function zoomTime(factor, x) {
    const t = tOf(x === undefined ? (namesW + W) / 2 : x);
    view.t0 = t - (t - view.t0) * factor; view.t1 = t + (view.t1 - t) * factor;
  }

  function zoomLanes(factor, y) {
    const at = y === undefined ? plotH() / 2 : y, row = view.top + at / view.laneH;
    view.laneH /= factor; clampView(); view.top = row - at / view.laneH;
  }

  function wire() {
    let drag = null, pending = false;
    const redraw = () => { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; draw(); }); } };
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      const r = canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
      const factor = Math.pow(1.0015, e.deltaY || e.deltaX);
      if (e.shiftKey) view.top += (e.deltaY || e.deltaX) / 40 / Math.max(view.laneH, 1e-6) * Math.min(view.laneH, 20);
      else if (e.ctrlKey || x < namesW) zoomLanes(factor, y);
      else zoomTime(factor, x);
      redraw();
    }, { passive: false });
    canvas.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, t0: view.t0, t1: view.t1, top: view.top }; canvas.classList.add("dragging"); canvas.focus(); });
    window.addEventListener("mouseup", () => { drag = null; canvas.classList.remove("dragging"); });
    window.addEventListener("mousemove", (e) => {
      const r = canvas.getBoundingClientRect();
      if (drag) {
        const dt = (e.clientX - drag.x) / (W - namesW) * (drag.t1 - drag.t0);
        view.t0 = drag.t0 - dt; view.t1 = drag.t1 - dt; view.top = drag.top - (e.clientY - drag.y) / view.laneH;
        tip.style.display = "none"; redraw(); return;
      }
      const h = e.target === canvas ? pick(e.clientX - r.left, e.clientY - r.top) : null;
      const changed = (h && h.span) !== (hover && hover.span) || (h && h.row) !== (hover && hover.row);
      hover = h; showTip(h, e.clientX, e.clientY);
      if (changed) redraw();
    });
    canvas.addEventListener("mouseleave", () => { if (!drag) { tip.style.display = "none"; hover = null; redraw(); } });
    canvas.addEventListener("keydown", (e) => {
      const lanes = e.ctrlKey || e.metaKey, k = e.key;
      if (k === "+" || k === "=") lanes ? zoomLanes(1 / 1.5) : zoomTime(1 / 1.5);
      else if (k === "-" || k === "_") lanes ? zoomLanes(1.5) : zoomTime(1.5);
      else if (k === "0") { fit(); e.preventDefault(); return; }
      else if (k === "ArrowLeft" || k === "ArrowRight") { const d = (view.t1 - view.t0) * 0.1 * (k === "ArrowLeft" ? -1 : 1); view.t0 += d; view.t1 += d; }
      else if (k === "ArrowUp" || k === "ArrowDown") view.top += (k === "ArrowUp" ? -3 : 3) * Math.max(1, 20 / Math.max(view.laneH, 1e-6) / 10);
      else if (k === "PageUp" || k === "PageDown") view.top += (k === "PageUp" ? -1 : 1) * plotH() / view.laneH * 0.9;
      else return;
      e.preventDefault(); redraw();
    });
    const button = (id, act) => document.getElementById(id).addEventListener("click", () => { act(); redraw(); });
    button("zoom-in", () => zoomTime(1 / 1.5));
    button("zoom-out", () => zoomTime(1.5));
    button("lanes-in", () => zoomLanes(1 / 1.5));
    button("lanes-out", () => zoomLanes(1.5));
    button("fit", fit);
    new ResizeObserver(redraw).observe(canvas);
  }

  async function main() {
    header();
    T = await unpackAll(D.tasks);
    P = await unpackAll(D.spans);
    R = await unpackAll(D.rows);
    R.names = D.rows.names;
    levels = [];
    for (const l of D.levels) levels.push({ group: l.group, width: l.width, rows: l.rows, columns: l.columns, cells: await unpack(l.cells) });
    laneOfTask = new Int32Array(D.lanes).fill(-1);
    for (let lane = 0; lane < D.lanes; lane++) if (T.id[lane] >= 0 && T.id[lane] < D.lanes) laneOfTask[T.id[lane]] = lane;
    rowsFirst = new Int32Array(R.names.length + 1);
    for (let i = 0; i < R.row.length; i++) rowsFirst[R.row[i] + 1]++;
    for (let k = 0; k < R.names.length; k++) rowsFirst[k + 1] += rowsFirst[k];
    shadeTable();
    wire();
    W = canvas.clientWidth; H = canvas.clientHeight;
    fit();
    // for tests and benchmarks (the DevTools protocol reads these): the view, a frame's time
    window.asyncviz = {
      view, draw, fit, last, pick, details,
      zoomTime: (f, x) => { zoomTime(f, x); return draw(); },
      zoomLanes: (f, y) => { zoomLanes(f, y); return draw(); },
      names: () => ({ namesW, W, H, plotH: plotH() }),
    };
    document.body.dataset.ready = "true";
  }

  main().catch((error) => {
    document.getElementById("error").textContent = "This page could not draw its trace: " + error;
    console.error(error);
  });
})();
