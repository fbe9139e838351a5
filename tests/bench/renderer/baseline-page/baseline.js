// The floor for the renderer benchmark: the same streams from the same server, shown as plain text, one <pre> per
// column, the view kept at the bottom. No markdown, no framework. Started by the benchmark with
// window.startBaseline(['m1', ...]); resolves when every stream ended.
//
// Reasoning (`reasoning_content`, as the app's provider reads it) is shown the same way in its own <pre> inside a
// <details> above the answer, created at the first reasoning delta and folded (closed) when the first answer text
// arrives, as the app's Thinking section folds: the same text reaches the same kind of DOM, so the comparison with
// the app stays fair. Folded, its text stays in the DOM, unrendered (the app unmounts it).
//
// Default (the floor): deltas are collected as they arrive and appended once per animation frame (as the app
// batches its updates) into blocks of about 2,000 characters (a new block at the first line break after that), so
// a frame lays out only the growing block, and blocks out of view skip paint (`content-visibility: auto`, which the
// app uses too). Each of these can be turned off in the query string, to see what it saves:
//   append=delta   append each delta the moment its SSE event is parsed (hundreds of DOM changes per frame)
//   blocks=0       one growing text node per <pre> (a whole 80 kB answer is laid out again every frame: 100–300 ms
//                  of layout per frame for four columns in headless Chromium here)
//   cv=0           blocks without content-visibility: every frame paints and layerizes all of the text
'use strict'

const options = new URLSearchParams(location.search)
const perDelta = options.get('append') === 'delta'
const inBlocks = options.get('blocks') !== '0'
if (options.get('cv') === '0') document.body.classList.add('no-cv')
const BLOCK_CHARS = 2000
const scroller = document.getElementById('scroll')
const columns = document.getElementById('columns')
// Follow the growing text as the app does: after layout, before paint.
new ResizeObserver(() => {
  scroller.scrollTop = scroller.scrollHeight
}).observe(columns)

function textSink(pre) {
  let text = undefined
  let length = 0
  return (delta) => {
    if (!inBlocks) {
      if (!text) pre.append((text = document.createTextNode('')))
      text.appendData(delta)
      return
    }
    const lineEnd = text && length >= BLOCK_CHARS ? delta.indexOf('\n') : -1
    if (lineEnd >= 0) {
      text.appendData(delta.slice(0, lineEnd + 1))
      delta = delta.slice(lineEnd + 1)
      text = undefined
    }
    if (!text) {
      const block = document.createElement('div')
      block.append((text = document.createTextNode('')))
      pre.append(block)
      length = 0
    }
    text.appendData(delta)
    length += delta.length
  }
}

/** Per delta, or once per frame with everything that arrived since the last one. */
function batcher(sink) {
  if (perDelta) return sink
  let pending = ''
  return (delta) => {
    if (pending === '') {
      requestAnimationFrame(() => {
        const text = pending
        pending = ''
        sink(text)
      })
    }
    pending += delta
  }
}

/** The column's thinking: a sink for its reasoning deltas, made (with its <details>) at the first one. */
function thinking(section) {
  let sink = undefined
  return (delta) => {
    if (!sink) {
      const details = document.createElement('details')
      details.className = 'thinking'
      details.id = `thinking-${section.querySelector('pre').id.slice('col-'.length)}`
      details.open = true
      details.dataset.open = 'true'
      const summary = document.createElement('summary')
      summary.textContent = 'Thinking'
      const pre = document.createElement('pre')
      pre.id = `think-${details.id.slice('thinking-'.length)}`
      details.append(summary, pre)
      section.prepend(details)
      sink = batcher(textSink(pre))
    }
    sink(delta)
  }
}

/** Folds the column's thinking, if any, when its first answer text arrives; then appends as `sink` does. */
function foldingThinking(section, sink) {
  let folded = false
  return (delta) => {
    if (!folded) {
      folded = true
      const details = section.querySelector('details.thinking')
      if (details) {
        details.open = false
        details.dataset.open = 'false'
      }
    }
    sink(delta)
  }
}

// All columns' streams come in one response (the server's `?multiplex`, each stream paced on its own, its events
// named by their `model`): Chromium opens at most 6 connections to one host, so 8 fetches would start the last 2
// streams only when others end. Parsing the events is the same work either way.
async function streamAll(models, sinks) {
  const response = await fetch('/v1/chat/completions?multiplex', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ models, messages: [{ role: 'user', content: 'bench' }], stream: true }),
  })
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    buffer += value
    let end
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const event = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      if (!event.startsWith('data: ') || event === 'data: [DONE]') continue
      const chunk = JSON.parse(event.slice(6))
      const sink = sinks.get(chunk.model)
      const delta = chunk.choices?.[0]?.delta
      if (delta?.reasoning_content) sink.reasoning(delta.reasoning_content)
      if (delta?.content) sink.answer(delta.content)
    }
  }
}

window.startBaseline = (models) => {
  const sinks = new Map()
  for (const model of models) {
    const section = document.createElement('section')
    section.className = 'column'
    const pre = document.createElement('pre')
    pre.id = `col-${model}`
    section.append(pre)
    columns.append(section)
    sinks.set(model, { answer: foldingThinking(section, batcher(textSink(pre))), reasoning: thinking(section) })
  }
  return streamAll(models, sinks).then(() => true)
}
