import { memo } from 'react'
import { isOpenStatus } from '../../../src-main/shared/answer'
import { answerMetrics, exchangeLeaders, formatRate, isCutShort, tokensPerSecond } from '../format/answer-facts'
import { useExchangeSummary } from '../hooks/use-exchange-summary'
import { useStrings } from '../i18n'
import type { ShownColumn } from '../state/exchanges'
import { BoltIcon, StopwatchIcon } from './icons'

interface ColumnStripProps {
  /** The version each column shows. */
  columns: readonly ShownColumn[]
  widened: string | undefined
  onShow(modelId: string): void
  onWiden(modelId: string | undefined): void
}

/**
 * Every answer of an exchange at a glance, however many columns it has and however far down the user has read: a
 * strip that stays at the top of the view (sticky) with one tab per model (its status and speed, and which one
 * was fastest, which cheapest). A tab brings its column into view; its second button widens that column.
 */
export const ColumnStrip = memo(function ColumnStrip(props: ColumnStripProps) {
  const t = useStrings()
  const { columns, widened, onShow, onWiden } = props
  const answers = useExchangeSummary(columns)
  const metrics = answers.map((answer) => ({
    modelId: answer.modelId,
    metrics: answerMetrics(answer.end, answer.usage),
    costUsd: answer.end?.costUsd,
  }))
  const leaders = exchangeLeaders(metrics)
  return (
    <nav className="column-strip" data-testid="column-strip" aria-label={t.strip.ariaLabel(answers.length)}>
      <ul style={{ ['--tabs-per-row' as string]: tabsPerRow(answers.length) }}>
        {answers.map((answer, index) => {
          const speed = tokensPerSecond(metrics[index]!.metrics)
          const isWide = widened === answer.modelId
          return (
            <li
              key={answer.modelId}
              className="column-tab"
              data-testid={`column-tab-${answer.modelId}`}
              data-status={answer.status}
              data-cut-short={isCutShort(answer.end) || undefined}
            >
              <button
                type="button"
                className="column-tab-show"
                data-testid="column-tab-show"
                title={t.strip.show(answer.label)}
                onClick={() => onShow(answer.modelId)}
              >
                <span className="column-tab-dot" data-status={answer.status} aria-hidden="true" />
                <span className="column-tab-label">{answer.label}</span>
                <span className="column-tab-figure">
                  {isOpenStatus(answer.status) || speed === undefined
                    ? t.columnStatus[answer.status]
                    : formatRate(speed, t)}
                </span>
                {leaders.firstToken === answer.modelId && (
                  <span
                    className="column-tab-badge"
                    data-testid="fastest-first-token"
                    title={t.strip.fastestFirstToken}
                  >
                    <StopwatchIcon />
                    <span className="visually-hidden">{t.strip.fastestFirstToken}</span>
                  </span>
                )}
                {leaders.speed === answer.modelId && (
                  <span className="column-tab-badge" data-testid="fastest-speed" title={t.strip.fastestSpeed}>
                    <BoltIcon />
                    <span className="visually-hidden">{t.strip.fastestSpeed}</span>
                  </span>
                )}
                {leaders.cheapest === answer.modelId && (
                  <span className="column-tab-badge" data-testid="cheapest" title={t.strip.cheapest}>
                    <span aria-hidden="true">$</span>
                    <span className="visually-hidden">{t.strip.cheapest}</span>
                  </span>
                )}
              </button>
              {columns.length > 1 && (
                <button
                  type="button"
                  className="column-tab-widen"
                  data-testid="column-tab-widen"
                  aria-pressed={isWide}
                  aria-label={isWide ? t.strip.unwiden : t.strip.widen(answer.label)}
                  title={isWide ? t.strip.unwiden : t.strip.widen(answer.label)}
                  onClick={() => onWiden(isWide ? undefined : answer.modelId)}
                >
                  <span aria-hidden="true">⇔</span>
                </button>
              )}
            </li>
          )
        })}
      </ul>
    </nav>
  )
})

/** Up to 4 tabs in one row; more in two even rows, so 8 labels stay readable in a 1280 px window. */
function tabsPerRow(count: number): number {
  return Math.ceil(count / Math.ceil(count / 4))
}
