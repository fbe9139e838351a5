import { describe, expect, it } from 'vitest'
import { MAIN_WINDOW_MIN, quickAskBounds, restoredBounds } from '../../../src-main/shell/window-geometry'
import { trayMenuTemplate, trayTooltip } from '../../../src-main/shell/tray-menu'
import { acceleratorProblem } from '../../../src-main/core/settings/accelerator'

const laptop = { x: 0, y: 25, width: 1440, height: 875 }
const external = { x: 1440, y: 0, width: 2560, height: 1415 }

describe('window geometry', () => {
  it('puts the main window back where it was while that place is on a screen', () => {
    const saved = { x: 1600, y: 100, width: 1000, height: 700 }
    expect(restoredBounds(saved, [laptop, external])).toEqual(saved)
  })

  it('recentres it when its screen is gone or the saved bounds are nonsense', () => {
    const onUnpluggedScreen = { x: 3000, y: 100, width: 1000, height: 700 }
    expect(restoredBounds(onUnpluggedScreen, [laptop])).toEqual({ x: 80, y: 53, width: 1280, height: 820 })
    expect(restoredBounds({ x: NaN, y: 0, width: 10, height: 10 }, [laptop])).toMatchObject({ width: 1280 })
    expect(restoredBounds(undefined, [{ x: 0, y: 0, width: 1024, height: 600 }])).toEqual({
      x: 0,
      y: 0,
      width: 1024,
      height: 600,
    })
    // A window that only peeks in by a few pixels does not count as visible.
    expect(restoredBounds({ x: 1430, y: 100, width: 800, height: 600 }, [laptop])).not.toMatchObject({ x: 1430 })
  })

  it('never restores a window below its minimum size', () => {
    expect(restoredBounds({ x: 10, y: 40, width: 100, height: 100 }, [laptop])).toEqual({
      x: 10,
      y: 40,
      ...MAIN_WINDOW_MIN,
    })
  })

  it("places quick ask centred near the top of the cursor's screen, within it", () => {
    expect(quickAskBounds(external)).toEqual({ x: 1440 + 940, y: 283, width: 680, height: 420 })
    const small = quickAskBounds({ x: 0, y: 0, width: 500, height: 300 })
    expect(small.width).toBeLessThanOrEqual(500)
    expect(small.height).toBeLessThanOrEqual(300)
  })
})

describe('tray menu', () => {
  const actions = { quickAsk: () => {}, openMain: () => {}, quit: () => {} }
  it('offers quick ask, the main window, the connection state and quit', () => {
    const menu = trayMenuTemplate(
      { mode: 'cloud', status: 'failed', detail: 'Sign in to use cloud mode.', since: 0 },
      'CommandOrControl+Shift+Space',
      actions,
    )
    expect(menu.map((item) => item.label ?? item.type)).toEqual([
      'Quick ask',
      'Open StreamDesk',
      'separator',
      'Cloud mode: not connected',
      'Sign in to use cloud mode.',
      'separator',
      'Quit StreamDesk',
    ])
    expect(menu[0]).toMatchObject({ accelerator: 'CommandOrControl+Shift+Space', click: actions.quickAsk })
    expect(trayTooltip({ mode: 'local', status: 'connected', since: 0 })).toBe('StreamDesk — Local mode, connected')
  })

  it("speaks the UI's language (Japanese)", () => {
    const menu = trayMenuTemplate({ mode: 'local', status: 'reconnecting', since: 0 }, 'Alt+Space', actions, 'ja')
    expect(menu.map((item) => item.label ?? item.type)).toEqual([
      'クイック質問',
      'StreamDesk を開く',
      'separator',
      'ローカルモード: 再接続中…',
      'separator',
      'StreamDesk を終了',
    ])
    expect(trayTooltip({ mode: 'cloud', status: 'connected', since: 0 }, 'ja')).toBe(
      'StreamDesk — クラウドモード、接続済み',
    )
  })
})

describe('global shortcut accelerators', () => {
  it.each(['CommandOrControl+Shift+Space', 'Alt+Space', 'Ctrl+Alt+K', 'F12', 'Super+Shift+/'])(
    'accepts %s',
    (accelerator) => {
      expect(acceleratorProblem(accelerator)).toBeUndefined()
    },
  )
  it.each([
    ['', /looks like/],
    ['Shift+', /looks like/],
    ['Hyper+K', /not a modifier/],
    ['Ctrl+Ctrl+K', /twice/],
    ['Ctrl+Shift', /not a key/],
    ['K', /at least one modifier/],
    ['Ctrl+Spacebar', /not a key/],
  ])('refuses %j with a clear message', (accelerator, message) => {
    expect(acceleratorProblem(accelerator)).toMatch(message)
  })
})
