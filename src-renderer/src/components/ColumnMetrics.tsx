import type { AnswerMetrics } from '../../../src-main/shared/answer'
import { metricItems } from '../format/answer-facts'
import { useStrings } from '../i18n'

/** A column's speed and cost, under its answer: every figure labelled, a dash where it is unknown. */
export function ColumnMetrics({ metrics, costUsd }: { metrics: AnswerMetrics; costUsd?: number | undefined }) {
  const t = useStrings()
  return (
    <footer className="column-metrics" data-testid="column-metrics" aria-label={t.metrics.ariaLabel}>
      <dl>
        {metricItems(metrics, t, costUsd).map((item) => (
          <div key={item.key} className="metric" data-metric={item.key}>
            <dt>{item.label}</dt>
            <dd>{item.value}</dd>
          </div>
        ))}
      </dl>
    </footer>
  )
}
