// The renderer benchmark's in-page instruments, installed with page.addInitScript before any of the page's own
// scripts run (plain JS: it is injected as source text, so no TypeScript helpers can leak into it). Everything it
// records lives on window.__bench, read back by tests/bench/renderer-bench.ts:
//
// - longTasks: every PerformanceObserver 'longtask' entry, [startTime, duration] in ms (performance.now() time);
// - fps: one sample per second of a requestAnimationFrame counter, { t, frames, spanMs };
// - typing: per key typed into a textarea/input, the time from the keydown's event timestamp (when the browser
//   created the event, so time spent waiting behind a busy main thread counts) to the first animation frame after
//   the element's value changed;
// - columns: once watch() is called, per column the wall-clock time (Date.now()) its text first became non-empty
//   and when it first contained its answer's last words, checked every animation frame; for a column with a
//   thinking section, also when its thinking text first showed and when the section first folded after that;
// - scroll: distance of the scroll container from its bottom, at most once a second, sampled from a
//   ResizeObserver on its content created after the page's own (so the page's follow-on-resize has run, as it
//   would have before the frame is painted), and once two frames after the last column finished.
;(() => {
  if (window !== window.top || window.__bench) return
  const bench = {
    longTasks: [],
    longTaskSupported: false,
    fps: [],
    typing: [],
    columns: {},
    scroll: [],
    scrollAtEnd: undefined,
    allFinalAt: undefined,
    watch,
  }
  Object.defineProperty(window, '__bench', { value: bench, enumerable: false })

  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) bench.longTasks.push([entry.startTime, entry.duration])
    }).observe({ type: 'longtask', buffered: true })
    bench.longTaskSupported = true
  } catch {
    bench.longTaskSupported = false
  }

  let frames = 0
  let sampleStart = performance.now()
  // { columns: [{ id, selector, lastWords, statusSelector?, thinking?: { selector, textSelector } }], scroller }
  let watched = undefined

  function watch(spec) {
    watched = spec
    for (const column of spec.columns)
      bench.columns[column.id] = {
        firstAt: undefined,
        finalAt: undefined,
        statusAt: undefined,
        thinkingFirstAt: undefined,
        thinkingFoldedAt: undefined,
      }
  }

  // Lookups are cached (a per-frame querySelector over a large DOM would be a cost of its own) and done again only
  // when the element left the document.
  const cache = new Map()
  function find(selector) {
    const cached = cache.get(selector)
    if (cached?.isConnected) return cached
    const element = document.querySelector(selector)
    if (element) cache.set(selector, element)
    return element
  }

  // The scroll sampler observes the content element the page shows now; a page that replaces it (the app keys
  // its conversation view) gets a new observer, made 10 frames later, so it is created after the page's own.
  let observed = undefined
  let seen = undefined
  let seenSince = 0
  function trackScroll(frameCount) {
    const scroller = find(watched.scroller)
    const content = find(watched.content)
    if (!scroller || !content || observed?.content === content) return
    if (seen !== content) {
      seen = content
      seenSince = frameCount
      return
    }
    if (frameCount - seenSince < 10) return
    observed?.observer.disconnect()
    let lastSample = 0
    const observer = new ResizeObserver(() => {
      const now = performance.now()
      if (now - lastSample < 1000 || bench.allFinalAt !== undefined) return
      lastSample = now
      bench.scroll.push({
        at: Date.now(),
        distance: scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight,
      })
    })
    observer.observe(content)
    observed = { content, observer }
  }

  /**
   * The last `minLength` or more characters of a node's text, reading only its last descendants: a child is entered
   * from its end, and returns either enough text or all of its own, so the pieces are contiguous.
   */
  function tailText(node, minLength) {
    let text = ''
    for (let child = node.lastChild; child && text.length < minLength; child = child.previousSibling) {
      text =
        (child.firstChild && child.firstChild !== child.lastChild
          ? tailText(child, minLength - text.length)
          : child.textContent) + text
    }
    return text
  }

  /** The thinking section: shown with text (once), then folded (its `data-open` no longer "true", or gone). */
  function checkThinking(thinking, state) {
    if (state.thinkingFirstAt === undefined) {
      if (find(thinking.textSelector)?.textContent) state.thinkingFirstAt = Date.now()
      return
    }
    if (find(thinking.selector)?.getAttribute('data-open') !== 'true') state.thinkingFoldedAt = Date.now()
  }

  function checkColumns(frameCount) {
    if (!watched) return
    trackScroll(frameCount)
    let allFinal = true
    for (const column of watched.columns) {
      const state = bench.columns[column.id]
      if (state.statusAt === undefined && column.statusSelector) {
        const status = find(column.statusSelector)?.getAttribute('data-status')
        if (status && status !== 'streaming' && status !== 'queued') state.statusAt = Date.now()
      }
      if (column.thinking && state.thinkingFoldedAt === undefined) checkThinking(column.thinking, state)
      if (state.finalAt !== undefined) continue
      allFinal = false
      const element = find(column.selector)
      if (!element) continue
      if (state.firstAt === undefined && element.firstChild && element.textContent.length > 0)
        state.firstAt = Date.now()
      // The last words are at the end of the column's text; every 60 frames, and once the column says it is done,
      // the whole text is checked too.
      let text = tailText(element, column.lastWords.length * 2 + 64)
      if (!text.includes(column.lastWords) && (frameCount % 60 === 0 || state.statusAt !== undefined)) {
        text = element.textContent
      }
      if (text.includes(column.lastWords)) state.finalAt = Date.now()
    }
    if (allFinal && bench.allFinalAt === undefined) {
      bench.allFinalAt = Date.now()
      const scroller = find(watched.scroller)
      requestAnimationFrame(() =>
        requestAnimationFrame(() =>
          setTimeout(() => {
            if (scroller) bench.scrollAtEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight
          }, 0),
        ),
      )
    }
  }

  let totalFrames = 0
  const loop = (now) => {
    frames += 1
    totalFrames += 1
    const span = now - sampleStart
    if (span >= 1000) {
      bench.fps.push({ t: now, at: Date.now(), frames, spanMs: span })
      frames = 0
      sampleStart = now
    }
    checkColumns(totalFrames)
    requestAnimationFrame(loop)
  }
  requestAnimationFrame(loop)

  let pendingKey = undefined
  document.addEventListener(
    'keydown',
    (event) => {
      const target = event.target
      if (!(target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement)) return
      const handledAt = performance.now()
      // event.timeStamp is when the browser created the event; guard against a foreign time base.
      const start = event.timeStamp > 0 && event.timeStamp <= handledAt ? event.timeStamp : handledAt
      pendingKey = { start, handledAt, target, before: target.value }
    },
    true,
  )
  document.addEventListener(
    'input',
    () => {
      const key = pendingKey
      pendingKey = undefined
      if (!key) return
      requestAnimationFrame(() => {
        const end = performance.now()
        bench.typing.push({
          t: key.start,
          latency: end - key.start,
          queued: key.handledAt - key.start,
          changed: key.target.value !== key.before,
          frameAt: Date.now(),
        })
      })
    },
    true,
  )
})()
