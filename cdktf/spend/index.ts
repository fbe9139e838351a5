/**
 * The spend guard's storage and the account's cost alarm (issue 17). A DynamoDB table of per-user counters (tokens
 * per UTC day and month, stream slots; see src-main/backend/spend-guard.ts) that only the chat Lambda touches, with
 * GetItem and UpdateItem alone, and optionally an AWS Budgets alarm on the account's monthly cost.
 *
 * As for the answer store (cdktf/answers), the chat Lambda's service role cannot be keyed to the caller with
 * `dynamodb:LeadingKeys = ${cognito-identity.amazonaws.com:sub}` (that variable exists only in a role the user
 * assumes); the code takes the partition key from Lambda's context, and the condition keeps the role to partition
 * keys shaped like this region's identity ids. Users get no DynamoDB permission at all.
 */
import { Construct } from 'constructs'
import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget/index.js'
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table/index.js'
import { SPEND_TABLE } from '../../src-main/backend/spend-guard'
import type { StackConfig } from '../config/stack-config'
import type { PolicyStatement } from '../lib/policy-document'

export interface SpendOptions {
  namePrefix: string
  region: string
  costAlarm?: StackConfig['costAlarm']
}

export class Spend extends Construct {
  readonly table: DynamodbTable
  readonly costAlarm?: BudgetsBudget
  private readonly region: string

  constructor(scope: Construct, id: string, options: SpendOptions) {
    super(scope, id)
    this.region = options.region
    this.table = new DynamodbTable(this, 'table', {
      name: `${options.namePrefix}-spend`,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: SPEND_TABLE.partitionKey,
      rangeKey: SPEND_TABLE.sortKey,
      attribute: [
        { name: SPEND_TABLE.partitionKey, type: 'S' },
        { name: SPEND_TABLE.sortKey, type: 'S' },
      ],
      // A month's counters go a month after it ends, a stream slot item a day after its last lease.
      ttl: { attributeName: SPEND_TABLE.ttlAttribute, enabled: true },
      serverSideEncryption: { enabled: true },
    })

    const alarm = options.costAlarm
    if (alarm) {
      // The whole account's cost (a filter on the stack's tags would need them activated as cost-allocation tags
      // first, and would silently match nothing until then).
      this.costAlarm = new BudgetsBudget(this, 'cost-alarm', {
        name: `${options.namePrefix}-monthly-cost`,
        budgetType: 'COST',
        limitAmount: alarm.monthlyUsd.toFixed(2),
        limitUnit: 'USD',
        timeUnit: 'MONTHLY',
        notification: [
          {
            comparisonOperator: 'GREATER_THAN',
            threshold: 80,
            thresholdType: 'PERCENTAGE',
            notificationType: 'ACTUAL',
            subscriberEmailAddresses: [alarm.email],
          },
          {
            comparisonOperator: 'GREATER_THAN',
            threshold: 100,
            thresholdType: 'PERCENTAGE',
            notificationType: 'FORECASTED',
            subscriberEmailAddresses: [alarm.email],
          },
        ],
      })
    }
  }

  /** What the chat Lambda needs: read (usage) and conditionally update the counters, on this table alone. */
  chatStatement(): PolicyStatement {
    return {
      Sid: 'GuardSpend',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      Resource: [this.table.arn],
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${this.region}:*`] } },
    }
  }
}
