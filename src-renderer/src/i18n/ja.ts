/** Every UI string in Japanese. `satisfies Strings`: a key missing here (or one too many) does not compile. */
import type { MessageCatalog, Strings } from './en'
import type { AuthReason, ImportFailure, WriteFailure } from '../../../src-main/shared/user-message'
import { KEPT_CHANGE_WORDS } from '../../../src-main/shared/user-message'
import { formatBytes } from '../../../src-main/shared/format-bytes'

const authReason = {
  network: 'Amazon Cognito に接続できません。インターネット接続とプロキシの設定を確認してください。',
  'sign-up-domain-limited':
    'この StreamDesk バックエンドでは、登録できるメールアドレスのドメインが限られています。管理者にお問い合わせください。',
  'sign-up-refused': 'バックエンドが登録を拒否しました。数分待ってから、もう一度お試しください。',
  'incorrect-credentials': 'メールアドレスまたはパスワードが正しくありません。',
  'no-account': 'このメールアドレスのアカウントはありません。',
  'not-confirmed':
    'このアカウントはまだ確認されていません。メールに記載のコードを入力するか、新しいコードを依頼してください。',
  'account-exists':
    'このメールアドレスのアカウントはすでにあります。サインインするか、パスワードを再設定してください。',
  'code-mismatch': 'コードが正しくありません。確認して、もう一度お試しください。',
  'code-expired': 'コードの有効期限が切れています。新しいコードを依頼してください。',
  'password-policy': 'パスワードが要件を満たしていません。',
  'too-many-attempts': '試行回数が多すぎます。数分待ってから、もう一度お試しください。',
  'code-not-sent': 'このメールアドレスにコードを送信できませんでした。アドレスを確認してください。',
  'input-not-accepted':
    'Amazon Cognito が入力を受け付けませんでした。メールアドレスを確認して、もう一度お試しください。',
  'config-no-password-sign-in':
    'クラウドの設定がデプロイ済みのバックエンドと一致しません（アプリクライアントがパスワードによるサインインを許可していません）。スタックの出力をもう一度読み込んでください。',
  'config-missing-pool':
    'クラウドの設定がデプロイ済みのバックエンドと一致しません（ユーザープールまたはアプリクライアントが存在しません）。スタックの出力をもう一度読み込んでください。',
  'config-client-secret':
    'クラウドの設定がデプロイ済みのバックエンドと一致しません（アプリクライアントにクライアントシークレットがあり、デスクトップアプリでは保持できません）。スタックの出力をもう一度読み込んでください。',
  'invite-only': 'この StreamDesk バックエンドは招待制です。管理者にアカウントの作成を依頼してください。',
  'account-disabled':
    'このアカウントは無効になっています。この StreamDesk バックエンドの管理者にお問い合わせください。',
  'session-ended': 'セッションが終了しました。もう一度サインインしてください。',
  'sign-in-too-long': 'サインインに時間がかかりすぎました。最初からやり直してください。',
  'no-sign-in-waiting': '応答を待っているサインインはありません。もう一度サインインしてください。',
  'step-wants-new-password': 'このサインイン手順では新しいパスワードが必要です。',
  'step-wants-mfa-code': 'このサインイン手順では認証アプリのコードが必要です。',
  'unsupported-step':
    'このアカウントには、StreamDesk がまだ対応していないサインイン手順が必要です。バックエンドの管理者にお問い合わせください。',
  'not-signed-in': 'サインインしていません。',
  'not-renewed': 'Amazon Cognito がセッションを更新しませんでした。もう一度サインインしてください。',
  'no-tokens': 'Amazon Cognito からトークンが返されませんでした。もう一度お試しください。',
  'unreadable-token': 'Amazon Cognito から返されたサインイン用トークンを読み取れませんでした。もう一度お試しください。',
  'signed-out': 'サインアウトしました。',
  unexpected: 'Amazon Cognito から予期しないエラーが返されました。数分待ってから、もう一度お試しください。',
} satisfies Record<AuthReason, string>

const writeFailure = {
  'disk-full': 'ディスクの空き容量がありません',
  'read-only': '履歴ファイルに書き込めません（読み取り専用）',
  busy: '履歴ファイルを別のプログラムが使用中です',
  'disk-error': 'ディスクがエラーを報告しました',
  damaged: '履歴ファイルが破損しています',
} satisfies Record<WriteFailure, string>

function importFailure(
  failure: ImportFailure,
  {
    limitMb,
    versions,
    reason,
  }: { limitMb?: number | undefined; versions?: string | undefined; reason?: WriteFailure | undefined },
): string {
  switch (failure) {
    case 'too-large':
      return `このファイルは大きすぎて読み込めません${limitMb ? `（上限 ${limitMb} MB）` : ''}。`
    case 'not-json':
      return 'このファイルは StreamDesk の履歴エクスポートではありません（JSON として読めません）。'
    case 'not-an-export':
      return 'このファイルは StreamDesk の履歴エクスポートではありません。'
    case 'unknown-version':
      return `この履歴エクスポートは、この StreamDesk が読めない形式のバージョンです${versions ? `（読めるのは ${versions}）` : ''}。`
    case 'too-deep':
      return 'このファイルは入れ子が深すぎるため、StreamDesk のエクスポートではありません。'
    case 'damaged':
      return 'この履歴エクスポートは破損しているか、不完全です。'
    case 'unreadable':
      return 'このファイルを読み込めませんでした。'
    case 'not-saved':
      return `読み込んだ内容を保存できませんでした${reason ? `（${writeFailure[reason]}）` : ''}。`
    case 'stopped':
      return '読み込みが中断されました。'
  }
}

export const ja = {
  locale: 'ja',
  appName: 'StreamDesk',
  mode: { local: 'ローカル', cloud: 'クラウド' },
  connection: {
    starting: '起動中…',
    connecting: '接続中…',
    connected: '接続済み',
    reconnecting: '再接続中…',
    offline: 'オフライン',
    failed: '接続できません',
  },
  modelsReady: {
    all: '準備完了',
    none: '接続できるモデルがありません',
    some: (reachable: number, total: number) => `${total} 個中 ${reachable} 個のモデルが利用可能`,
  },
  connectionAriaLabel: '接続状態',
  modeAriaLabel: 'モード',
  topBar: {
    newChat: '新しいチャット',
    settings: '設定',
    diagnostics: '診断',
    showSidebar: '会話一覧を表示',
    hideSidebar: '会話一覧を隠す',
    signedInAs: (email: string) => `${email} でサインイン中`,
    signOut: 'サインアウト',
  },
  withShortcut: (label: string, keys: string) => `${label}（${keys}）`,

  emptyConversation: {
    title: '一度の質問で、答えを比べる',
    body: '下でモデルを選んで送信すると、それぞれの回答が横に並んで届きます。',
    startersLabel: 'こんな質問から',
    starters: [
      'TCP と UDP の違いを、それぞれの例を挙げて説明して',
      'リストの重複を順序を保ったまま取り除く Python 関数を書いて',
      'プロダクトマネージャーの面接で聞くべき質問を 5 つ挙げて',
      '海辺の小さなカフェの名前を 3 つ提案して',
    ],
  },
  you: 'あなた',
  sending: '送信中…',
  columnStatus: {
    queued: '接続を待っています…',
    streaming: '回答中…',
    complete: '完了',
    stopped: '停止',
    error: 'エラー',
    interrupted: '中断',
  },
  stop: '停止',
  stopModel: (label: string) => `${label} を停止`,
  columnAnnouncement: (label: string, status: string, detail?: string) =>
    detail ? `${label}：${status}、${detail}` : `${label}：${status}`,
  stalled: '欠けたデータを待っています…',
  waitingNote: (seconds: number) =>
    `まだ応答がありません（${seconds} 秒）。モデルを読み込み中かもしれません。停止すると待つのをやめます。`,
  errorTitle: '回答を最後まで受け取れませんでした。',
  emptyAnswer: 'テキストはありません。',
  stopReason: {
    user: 'あなたが停止しました',
    'max-tokens': 'トークン上限で打ち切られました',
    'content-filter': 'プロバイダーのコンテンツフィルターでブロックされました',
    guardrail: 'ガードレールにより停止しました',
    'stop-sequence': '停止シーケンスで止まりました',
    /** `tools`: the tool names joined with commas, '' when the provider named none. */
    toolCall: (tools: string) =>
      tools === ''
        ? 'モデルがツールの呼び出しを求めましたが、StreamDesk はまだツールを実行できません'
        : `モデルがツール（${tools}）の呼び出しを求めましたが、StreamDesk はまだツールを実行できません`,
    other: (raw: string) => `StreamDesk が知らない理由で停止しました: ${raw || '（理由なし）'}`,
  },
  thinking: {
    title: '思考',
    thinkingNow: '思考中…',
    thoughtFor: (duration: string) => `${duration} 思考しました`,
    thought: '思考しました',
    show: '思考を表示',
    hide: '思考を隠す',
    redacted: (count: number) => `秘匿された思考 ${count.toLocaleString('ja')} ブロック`,
  },
  metrics: {
    ariaLabel: '速度とコスト',
    unknown: '—',
    ms: (n: string) => `${n} ミリ秒`,
    seconds: (n: string) => `${n} 秒`,
    minutes: (m: string, s: string) => `${m} 分 ${s} 秒`,
    perSecond: (n: string) => `${n} トークン/秒`,
    firstToken: '最初のトークン',
    firstAnswerToken: '最初の回答トークン',
    speed: '速度',
    duration: '所要時間',
    input: '入力トークン',
    output: '出力トークン',
    reasoning: '思考トークン',
    cost: 'コスト',
    usd: (amount: string) => `$${amount}`,
    underUsd: (amount: string) => `< $${amount}`,
  },
  strip: {
    ariaLabel: (count: number) => `回答 ${count} 件`,
    show: (label: string) => `${label} の回答を表示`,
    widen: (label: string) => `${label} の列を広げる`,
    unwiden: 'すべての列を同じ幅に戻す',
    fastestFirstToken: '最初のトークンが最速',
    fastestSpeed: '毎秒トークン数が最多',
    cheapest: '最も安い回答',
  },
  interruptedNote: 'StreamDesk が終了したため、この回答は途中で切れています。',
  continueAnswer: '続きを生成',
  /** Sent to the model when the user continues a cut-off answer. */
  queuedNote: '接続が戻りしだい送信します。',
  jumpToLatest: '最新へ移動',
  code: { copy: 'コピー', copied: 'コピーしました', copyAriaLabel: 'コードをコピー' },
  answerActions: {
    copy: 'Markdown でコピー',
    copied: 'コピーしました',
    copyLabel: (label: string) => `${label} の回答を Markdown でコピー`,
    copiedAnnouncement: (label: string) => `${label} の回答をコピーしました`,
    regenerate: '再生成',
    regenerateLabel: (label: string) => `${label} の回答を再生成（この回答は別バージョンとして残ります）`,
    retry: '再試行',
    retryLabel: (label: string) => `${label} を再試行（失敗した回答は別バージョンとして残ります）`,
    editModel: 'モデルを編集',
    editModelLabel: (label: string) => `${label} のモデルを編集`,
    continueCut: '続きを生成',
    continueCutLabel: (label: string) => `${label} の回答の続きを生成（途切れたところから）`,
  },
  promptEdit: {
    edit: '編集',
    editLabel: 'このプロンプトを編集して送り直す（会話はここで分岐し、元の分岐も残ります）',
    inputLabel: '編集したプロンプト',
    send: '送信',
    cancel: 'キャンセル',
    branches: 'このプロンプトからの会話の分岐',
    previous: '前の分岐',
    next: '次の分岐',
    position: (shown: number, count: number) => `分岐 ${shown} / ${count}`,
  },
  versions: {
    group: (label: string) => `${label} の回答のバージョン`,
    previous: '前のバージョン',
    next: '次のバージョン',
    position: (shown: number, count: number) => `バージョン ${shown} / ${count}`,
  },

  attachments: {
    attach: '添付',
    attachLabel: '画像・PDF・テキストファイルを添付（貼り付けやドロップでも添付できます）',
    listLabel: '添付ファイル',
    remove: (name: string) => `${name} を外す`,
    view: (name: string) => `${name} を拡大表示`,
    viewerLabel: (name: string) => `画像 ${name}`,
    close: '閉じる',
    preparing: '準備中…',
    pages: (count: number) => `${count} ページ`,
    status: { missing: 'ファイルがありません', damaged: 'ファイルが壊れています' },
    kind: { image: '画像', text: 'テキストファイル', pdf: 'PDF' },
    withheld: (list: string) => `このモデルに渡していない添付: ${list}`,
    tooLarge: (name: string, limit: string) => `${name}: 添付できるのは ${limit} までです。`,
    tooMany: (count: number) => `1 回の送信で添付できるのは ${count} 個までです。`,
    reasons: {
      'model-cannot-read-images': '画像を読めません',
      'model-cannot-read-documents': '文書を読めません',
      'too-many-images': '画像が多すぎます',
    },
  },

  prompt: {
    placeholder: (send: string, newLine: string) => `何でも聞いてください…（${send} で送信、${newLine} で改行）`,
    ariaLabel: '質問',
    send: '送信',
    stopAll: 'すべて停止',
  },
  systemPrompt: {
    button: 'システムプロンプト',
    buttonSet: 'システムプロンプト（設定済み）',
    ariaLabel: 'この会話のシステムプロンプト',
    placeholder: 'この会話のすべてのモデルに最初に送る指示（空欄：設定の既定値）',
  },
  picker: {
    ariaLabel: '質問するモデル',
    noModels: 'モデルがまだ設定されていません。',
    addModels: 'モデルを追加',
    keepOne: '少なくとも 1 つのモデルを選んでおく必要があります。',
    noCloudModels: 'クラウドのバックエンドに使えるモデルがありません。',
    unreachable: '（接続できません）',
  },
  banner: {
    title: '選んだモデルのどれにも接続できません。',
    checkAgain: '再確認',
    openSettings: '設定を開く',
    dismiss: '閉じる',
  },

  settings: {
    sectionsLabel: '設定の項目',
    provider: 'プロバイダー',
    customProvider: 'その他（アドレスを入力）',
    presetNeedsKey: (where: string) => `API キーが必要です（${where} で取得）。`,
    presetNoKey: 'このコンピューターで動きます。キーは不要です。',
    discoverModels: 'モデルを探す',
    discovering: 'サーバーに問い合わせ中…',
    discoveredModels: (count: number) =>
      count === 0 ? 'サーバーにモデルがありません' : `このサーバーのモデル（${count.toLocaleString()} 件）`,
    pickModel: '選択してください…',
    modelInputs: {
      legend: (label: string) => `${label} がテキスト以外に読めるもの`,
      images: '画像を読める',
      documents: '文書を読める（PDF・テキストファイル）',
      guessed: 'モデル名から推定',
      reset: '推定に戻す',
      embeddedNote: '組み込みエンジンはテキストのみ読めます',
    },
    title: '設定',
    close: '閉じる',
    models: 'モデル',
    add: 'モデルを追加',
    edit: '編集',
    remove: '削除',
    removeModel: (label: string) => `${label} を削除`,
    editModel: (label: string) => `${label} を編集`,
    keySet: 'キー設定済み',
    noKey: 'キーなし',
    embeddedModel: '内蔵モデル',
    runsInside: 'StreamDesk 内で実行',
    clearKey: 'キーを消去',
    clearKeyFor: (label: string) => `${label} の API キーを消去`,
    newModelTitle: '新しいモデル',
    editTitle: (label: string) => `${label} を編集`,
    label: '表示名',
    baseUrl: 'ベース URL',
    model: 'モデル名',
    apiKey: 'API キー',
    apiKeyPlaceholderNew: '任意。安全に保存され、二度と表示されません',
    apiKeyPlaceholderSet: 'キーは設定済みです。置き換えるには新しいキーを入力してください',
    apiKeyPlaceholderSession: '任意。StreamDesk を終了するまで保持され、二度と表示されません',
    keyForNewServer: (origin: string) =>
      `アドレスが別のサーバー（${origin}）を指しています。API キーをもう一度入力してください。キーは保存したときのサーバーにだけ送られます。`,
    keyOverHttp: (host: string) => `API キーを暗号化されない http:// で ${host} に送る（通信経路上の誰でも読めます）`,
    keyOverHttpRequired: 'キーを暗号化せずに送ることを確認するか、https:// のアドレスを使ってください。',
    save: '保存',
    cancel: 'キャンセル',
    saved: '保存しました。',
    invalidBaseUrl: 'http:// または https:// で始まる URL を入力してください。',
    checkConnection: '接続を確認',
    checking: '確認中…',
    reachable: '接続できます',
    unreachable: '接続できません',
    noModels: 'モデルがまだありません。下で追加してください。ローカルの Ollama サーバーならそのまま使えます。',
    localModelsNote:
      'ローカルモードで使うモデルです。クラウドモードでは、クラウドのバックエンドが提供するモデルを使います。',
  },
  modeSettings: {
    title: 'モード',
    local: 'ローカル',
    localDetail:
      'このパソコン上、または自分で用意したサーバーのモデルを使います。アカウント不要で、クラウドには何も送りません。',
    cloud: 'クラウド',
    cloudDetail: 'AWS 上に用意した自分専用の StreamDesk バックエンドを使います。アカウントでサインインします。',
    needsBackend: 'クラウドモードを使うには、先に上の「クラウドのバックエンド」で設定を読み込んでください。',
  },
  quota: {
    dailyTokens: (limit: string) =>
      `1日のトークン予算（${limit} トークン）を使い切りました。00:00 UTC にリセットされます`,
    monthlyTokens: (limit: string, resetDate: string) =>
      `今月のトークン予算（${limit} トークン）を使い切りました。${resetDate} 00:00 UTC にリセットされます`,
    tooLarge: (requested: string, which: 'daily' | 'monthly', limit: string) =>
      `このプロンプトは最大 ${requested} トークンを使う可能性があり、${which === 'daily' ? '1日' : '今月'}のトークン予算（${limit} トークン）を超えます。会話を短くするか、モデルの数を減らしてください`,
    concurrentStreams: (count: string) =>
      `同時に回答を受け取れるプロンプトは ${count} 件までです。いずれかの回答が終わってから、もう一度送ってください`,
  },
  cloud: {
    title: 'クラウドのバックエンド',
    intro:
      'デプロイしたスタックの出力「streamdesk_cloud_config」を貼り付けるか、そのファイル streamdesk-cloud-config.json を選んでください。',
    configLabel: 'クラウドのバックエンド設定（JSON）',
    load: '読み込む',
    chooseFile: 'ファイルを選択…',
    chooseFileLabel: 'クラウドのバックエンド設定をファイルから読み込む',
    loaded: 'クラウドのバックエンドを読み込みました。',
    notLoaded: 'クラウドのバックエンドはまだ読み込まれていません。',
    region: 'リージョン',
    models: 'モデル',
    unreadableFile: 'ファイルを読み込めませんでした。',
    proxyTitle: 'プロキシ',
    proxyIntro:
      'HTTP(S) プロキシ経由でインターネットに接続するネットワークの場合のみ設定してください。クラウドモードでのみ使います。',
    proxyLabel: 'プロキシの URL',
    proxyPlaceholder: 'http://user:password@proxy.example.com:8080',
    proxySave: 'プロキシを保存',
    proxySet: 'プロキシ設定済み',
    proxySetTo: (host: string) => `プロキシ: ${host}`,
    proxyNotSet: 'プロキシは未設定です（直接接続、または環境変数 HTTPS_PROXY を使用）。',
    proxyClear: '消去',
    usageTitle: 'ご利用状況',
    usageDay: (used: string, limit: string) => `今日: ${limit} トークン中 ${used}（毎日 00:00 UTC にリセット）`,
    usageMonth: (used: string, limit: string, resetDate: string) =>
      `今月: ${limit} トークン中 ${used}（${resetDate} 00:00 UTC にリセット）`,
    usageStreams: (count: string) => `同時に回答を受け取れるプロンプトは ${count} 件までです。`,
    usageNote: '入力・出力・推論のトークンを数えます。回答中のプロンプトは、回答が終わるまで最大の量で数えます。',
    usageRefresh: '更新',
    usageLoading: 'バックエンドに問い合わせています…',
    proxyClearLabel: 'プロキシ設定を削除',
  },
  generation: {
    title: '生成',
    appliesTo: '適用先',
    allModels: 'すべてのモデル（既定値）',
    temperature: '温度（temperature）',
    topP: 'Top-p（核サンプリング）',
    maxOutputTokens: '最大出力トークン数',
    range: (label: string, min: string, max: string) => `${label}（${min}〜${max}）`,
    notSet: '未設定',
    reasoning: '推論',
    reasoningOff: 'オフ',
    effort: { low: '低', medium: '中', high: '高' },
    outOfRange: (label: string, min: number, max: number) =>
      `${label}は ${min.toLocaleString('ja-JP')}〜${max.toLocaleString('ja-JP')} の数値で指定してください。`,
    notWhole: (label: string, min: number, max: number) =>
      `${label}は ${min.toLocaleString('ja-JP')}〜${max.toLocaleString('ja-JP')} の整数で指定してください。`,
    badReasoning: '推論はオフ・低・中・高のいずれかを選んでください。',
    save: '保存',
    saved: '保存しました。',
    defaultSystemPrompt: '既定のシステムプロンプト',
    defaultSystemPromptHint: '会話で指定がないとき、すべてのモデルに最初に送ります（クイック質問も）',
    price: '料金（100 万トークンあたり米ドル、推定コスト用）',
    inputPrice: '入力',
    outputPrice: '出力（推論を含む）',
    listPrice: (amount: string) => `既定値 ${amount}`,
    badPrice: (label: string, max: number) =>
      `${label}の料金は 0〜${max.toLocaleString('ja-JP')} の数値で指定してください。`,
    priceDefaultHint: '空欄は既定値を使います。',
  },
  secretStorage: {
    title: 'API キーとパスワード',
    unavailable:
      'このコンピューターには StreamDesk が使えるシステムのキーチェーンがないため、API キーとパスワードを暗号化できません。',
    basicText:
      'システムのキーチェーンが使えません（Linux では GNOME Keyring か KWallet を入れてロックを解除してください）。代わりの方式は固定のパスワードで隠すだけで、暗号化ではありません。',
    sessionOnly:
      'そのため API キーとプロキシのパスワードは StreamDesk を終了するまでメモリーにだけ保持され、再起動後にもう一度入力が必要です。クラウドモードでは起動のたびにサインインします。',
    storeUnencrypted: 'API キーとプロキシのパスワードを暗号化せずに設定ファイルに保存する',
    storeUnencryptedHelp: 'あなたのファイルを読める人なら誰でも読めるようになります。',
    inMemory: (count: number) => `${count} 件はこのセッションの間だけ保持されています。`,
    onDisk: (count: number) => `${count} 件は暗号化されずに設定ファイルにあります。`,
  },
  preferences: {
    title: '環境設定',
    shortcut: 'クイック質問のショートカット',
    shortcutHelp: (shown: string) => `どのアプリからでもクイック質問を開けます。現在の設定: ${shown}`,
    shortcutRecord: '記録',
    shortcutPressKeys: 'キーを押してください…',
    shortcutRecording: '使いたいキーの組み合わせを押してください（Esc で取り消し）。',
    shortcutNeedsModifier: '他のアプリからキーを奪わないよう、Ctrl・Alt・⌘ と組み合わせてください。',
    shortcutSave: '保存',
    shortcutSaved: 'ショートカットを保存しました。',
    closeToTray: 'ウィンドウを閉じても、トレイで StreamDesk を動かし続ける',
    prefillClipboard: 'クイック質問の入力欄にクリップボードのテキストを入れる',
    sendKey: '送信キー',
    sendKeyOption: (send: string, newLine: string) => `${send}（${newLine} で改行）`,
    language: '言語',
    languageSystem: 'システムに合わせる',
  },
  modelDefaults: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2', label: 'Llama 3.2（ローカル）' },

  backups: {
    title: '履歴のバックアップ',
    intro:
      'StreamDesk は 1 日に 1 回履歴をコピーし、最新の 7 つ（と最新の正常なもの）を残します。' +
      '復元すると、バックアップにあって今の履歴にない会話を追加します。今ある会話は変更しません。',
    none: 'バックアップはまだありません。最初のバックアップは今日作られます。',
    row: (date: string, conversations: number | undefined) =>
      conversations === undefined
        ? `${date} · 読み込めません`
        : `${date} · ${conversations.toLocaleString('ja')} 件の会話`,
    restore: '復元',
    restoreLabel: (date: string) => `${date} のバックアップから、履歴にない会話を復元`,
    restoring: '復元中…',
    restored: (date: string, added: number, completed: number, copies: number) => {
      if (added + completed + copies === 0) return `復元するものはありません。${date} の会話はすべて履歴にあります。`
      const parts = [
        added > 0 && `${added.toLocaleString('ja')} 件を追加`,
        completed > 0 && `${completed.toLocaleString('ja')} 件を補完`,
        copies > 0 && `${copies.toLocaleString('ja')} 件を別の会話として保存`,
      ].filter(Boolean)
      return `${date} のバックアップから: ${parts.join('、')}しました。`
    },
    failed: (message: string) => `何も復元しませんでした。${message}`,
  },
  diagnostics: {
    title: '診断',
    refresh: '更新',
    copy: 'レポートをコピー',
    copied: 'レポートをコピーしました',
    close: '閉じる',
    loading: '読み込み中…',
    counters: 'カウンター',
    messagesReceived: '受信したメッセージ',
    chunksDelivered: '表示に渡したチャンク',
    duplicatesDropped: '破棄した重複',
    gapsReported: '検出した欠落',
    answersRecovered: '復元した回答',
    unsavedHistoryChanges: 'ディスクの空きを待つ変更',
    streams: '最近のストリーム（モデル別）',
    noStreams: 'まだストリームはありません。',
    openConversation: '会話を開く',
    stream: 'ストリーム · モデル',
    activeStreams: '進行中のストリーム',
    reconnects: '再接続の回数',
    connectionEvents: '接続の履歴',
    noConnectionEvents: '接続の記録はまだありません。',
    rejected: '拒否したメッセージ',
    noneRejected: '拒否したメッセージはありません。',
    lastErrors: '最近のエラー',
    noErrors: 'エラーはありません。',
  },

  history: {
    startupNoticesLabel: '起動時のお知らせ',
    dismissNotice: 'このお知らせを閉じる',
    sidebarLabel: '会話',
    searchLabel: '会話を検索',
    searchPlaceholder: '会話を検索…',
    searchResultsLabel: '検索結果',
    searching: '検索中…',
    noMatches: '一致するものはありません。',
    resultCount: (hits: number, conversations: number) =>
      `${conversations.toLocaleString('ja')} 件の会話に ${hits.toLocaleString('ja')} 件`,
    incompleteSearch: '最近のメッセージだけを検索しました。すべてを検索するには 3 文字以上入力してください。',
    listLabel: '会話の一覧',
    loading: '読み込み中…',
    empty: 'まだ会話はありません。質問した内容はすべて、このデバイスに保存されます。',
    loadMore: 'さらに読み込む',
    pinned: '固定済み',
    askedElsewhere: '別のデバイスで質問',
    actionsFor: (title: string) => `「${title}」の操作`,
    exportAsMarkdown: 'Markdown で書き出す',
    exportAsJson: 'JSON で書き出す',
    rename: '名前を変更',
    renameInput: '会話のタイトル',
    pin: '固定',
    unpin: '固定を解除',
    delete: '削除',
    confirmDelete: 'この会話を削除しますか？',
    confirmDeleteLabel: (title: string) => `「${title}」を完全に削除`,
    cancel: 'キャンセル',
    exportAll: 'すべて書き出す',
    exportAllJson: 'すべての会話を JSON で書き出す',
    exportAllMarkdown: 'すべての会話を Markdown で書き出す',
    json: 'JSON',
    markdown: 'Markdown',
    import: '読み込む…',
    importLabel: 'StreamDesk から書き出した JSON ファイルの会話を読み込む',
    imported: (count: number, alreadyPresent: number) =>
      `${count.toLocaleString('ja')} 件の会話を読み込みました。` +
      (alreadyPresent === 0
        ? ''
        : `${alreadyPresent.toLocaleString('ja')} 件はすでに履歴にあるため読み込みませんでした。`),
    exportFailed: (message: string) => `書き出しに失敗しました: ${message}`,
    exported: (path: string) => `${path} に書き出しました`,
    gone: 'その会話はもう存在しません。',
  },
  dateGroups: {
    pinned: 'ピン留め',
    today: '今日',
    yesterday: '昨日',
    previous7Days: '過去 7 日間',
    previous30Days: '過去 30 日間',
  },
  date: {
    justNow: 'たった今',
    minutesAgo: (minutes: number) => `${minutes} 分前`,
    hoursAgo: (hours: number) => `${hours} 時間前`,
    yesterday: '昨日',
  },

  auth: {
    signInTitle: 'StreamDesk Cloud にサインイン',
    signInIntro: 'クラウドモードでは、AWS 上の自分専用 StreamDesk バックエンドからモデルの回答が届きます。',
    signUpTitle: 'アカウントを作成',
    confirmTitle: 'メールアドレスの確認',
    forgotTitle: 'パスワードの再設定',
    forgotIntro: 'メールアドレスに確認コードを送ります。',
    resetTitle: '新しいパスワードの設定',
    newPasswordTitle: '新しいパスワードの設定',
    newPasswordIntro: '続けるには、新しいパスワードを設定する必要があります。',
    mfaTitle: 'サインイン用コードの入力',
    mfaIntro: '認証アプリに表示されている 6 桁のコードを入力してください。',
    email: 'メールアドレス',
    password: 'パスワード',
    newPassword: '新しいパスワード',
    code: '確認コード',
    signIn: 'サインイン',
    signUp: 'アカウントを作成',
    confirm: '確認',
    sendCode: 'コードを送信',
    setPassword: 'パスワードを設定',
    verify: '確認',
    working: 'お待ちください…',
    toSignUp: 'アカウントを作成',
    toForgot: 'パスワードをお忘れですか？',
    toSignIn: 'サインインに戻る',
    toConfirm: '確認コードをお持ちの方はこちら',
    resend: 'コードを再送信',
    sentTo: (destination: string) => `${destination} にコードを送りました。`,
    confirmed: 'メールアドレスを確認しました。サインインしてください。',
    created: 'アカウントができました。サインインしてください。',
    passwordChanged: 'パスワードを変更しました。新しいパスワードでサインインしてください。',
    notConfigured: 'クラウドモードを使うには、先にクラウドのバックエンド設定を読み込んでください。',
    openSettings: '設定を開く',
    useLocal: 'ローカルモードを使う',
  },

  quickAsk: {
    modelLabel: '質問するモデル',
    title: 'クイック質問',
    inputLabel: '質問',
    placeholder: (model: string) => `${model} に質問…`,
    noModel: 'モデルが選ばれていません。StreamDesk で選んでください。',
    signInFirst: '先にメインウィンドウで StreamDesk Cloud にサインインしてください。',
    openInMain: 'StreamDesk で開く',
    stop: '停止',
    hints: (send: string, stop: string) => `${send} で送信 · ${stop} で停止または閉じる`,
  },

  modelFiles: {
    title: 'ローカルのモデルファイル',
    intro: 'StreamDesk が自分で動かす GGUF モデルです。サーバーもネットワークも要りません。保存先',
    addFromDisk: 'ディスクから追加…',
    adding: '追加中…',
    none: 'モデルファイルはまだありません。下のおすすめをダウンロードするか、手元の GGUF ファイルを追加してください。',
    contextTokens: (tokens: number) => `コンテキスト ${tokens.toLocaleString('ja')} トークン`,
    delete: '削除',
    deleteFile: (name: string) => `${name} を削除`,
    confirmDelete: (name: string) => `${name} を削除しますか？ モデルフォルダからファイルが消えます。`,
    confirm: 'ファイルを削除',
    keep: '残す',
    recommended: 'おすすめのダウンロード',
    download: (size: string) => `ダウンロード（${size}）`,
    downloadModel: (label: string) => `${label} をダウンロード`,
    installed: 'インストール済み',
    cancel: 'キャンセル',
    resume: '再開',
    retry: 'もう一度',
    discard: '破棄',
    progress: (received: string, total: string, rate: string | undefined) =>
      `${received} / ${total}${rate ? ` · ${rate}/秒` : ''}`,
    verifying: 'ファイルのチェックサムを確認しています…',
    paused: (received: string, total: string) => `${total} 中 ${received} で一時停止しています。`,
    failed: 'ダウンロードに失敗しました。',
    sizeOnly: 'このファイルには公開されたチェックサムがないため、サイズだけを確認します。',
    license: (license: string) => `ライセンス: ${license}`,
    progressLabel: (label: string) => `${label} をダウンロード中`,
  },
  firstRun: {
    title: 'サーバーがなくても、StreamDesk の中でモデルを動かせます。',
    body: (label: string, size: string) =>
      `${label}（${size}）を一度ダウンロードすれば、その後はオフラインでチャットできます。`,
    download: (label: string) => `${label} をダウンロード`,
    ready: (label: string) => `${label} をインストールして選択しました。`,
  },

  mainMessage: {
    serverSaid: (text: string) => `サーバーの応答: ${text}`,
    detail: (text: string) => `詳細: ${text}`,
    streamDetail: '詳細:',
    unknown: '問題が発生しました。',
    streamError: {
      'connection-refused': 'モデルのサーバーに接続できませんでした。',
      unauthorized: 'サーバーが要求を拒否しました。このモデルの API キーを確認してください。',
      'rate-limited': 'サーバーがリクエスト数を制限しています。少し待ってから再試行してください。',
      'model-not-found': 'サーバーにこのモデルがありません。',
      'bad-response': 'サーバーがエラーを返しました。',
      timeout: 'モデルが時間内に応答しませんでした。',
      internal: 'StreamDesk 内部で問題が発生しました。',
      'quota-exceeded': '利用上限に達しました。',
      incomplete: '回答を最後まで受け取れませんでした。',
    },
    writeFailure,
    downloadError: {
      'not-allowed': 'このダウンロード先のアドレスは許可されていません。',
      network: 'ダウンロード元のサーバーとの接続に失敗しました。',
      http: 'ダウンロード元のサーバーがファイルの提供を拒否しました。',
      'disk-full': 'ディスクの空き容量がありません。',
      checksum: 'ファイルが公開されているチェックサムと一致しません。',
      size: 'ファイルのサイズが正しくありません。',
      cancelled: 'ダウンロードはキャンセルされました。',
      io: 'モデルのフォルダーにファイルを書き込めませんでした。',
    },
    messages: {
      'model:ready': ({ model, server }) => `準備完了: ${server} の ${model}`,
      'model:file-ready': ({ file, quantization }) =>
        `${file} はインストール済みです${quantization ? `（${quantization}）` : ''}。`,
      'model:file-unusable': ({ file }) => `モデルファイル ${file} を使用できません。`,
      'model:not-configured': ({ modelId }) => `ID「${modelId}」のモデルは設定されていません。`,
      'server:bad-address': ({ address }) =>
        `サーバーのアドレス「${address}」は有効な http:// または https:// の URL ではありません（例: http://127.0.0.1:11434/v1）。`,
      'server:not-answering': ({ server }) => `${server} でモデルのサーバーが応答しませんでした。`,
      'server:refused': ({ server, status }) => `${server} のサーバーが要求を拒否しました（HTTP ${status}）。`,
      'server:bad-model-list': ({ server, status }) =>
        `${server} のサーバーにモデル一覧を求めたところ、${status ? `HTTP ${status} が返りました` : '想定外の応答が返りました'}。`,
      'server:missing-model': ({ server, model, available }) =>
        `${server} のサーバーにモデル「${model}」がありません。` +
        (available.length ? `利用できるモデル: ${available.join(', ')}。` : ''),
      'server:key-over-http': () => 'API キーが暗号化されずに（http:// で）別のコンピューターへ送られます。',
      'hint:enter-api-root': () => 'API のルートを入力してください（例: http://127.0.0.1:11434/v1）',
      'hint:start-ollama': () => 'サーバーを起動してください（例: `ollama serve`）',
      'hint:start-lm-studio': () => 'LM Studio でローカルサーバーを起動してください（Developer タブの Start Server）。',
      'hint:start-any-server': () =>
        'サーバーを起動してください（例: `ollama serve`。LM Studio などではローカルサーバーを起動します）。',
      'hint:check-key': () => 'このサーバー用に設定した API キーを確認してください。',
      'hint:add-key': () => 'このサーバーには API キーが必要です。モデルの設定で追加してください。',
      'hint:check-api-root': () =>
        'アドレスが OpenAI 互換 API のルート（通常は /v1 で終わる）になっているか確認してください。',
      'hint:ollama-pull': ({ model }) => `\`ollama pull ${model}\` を実行してください`,
      'hint:load-model': ({ model }) =>
        `モデルのサーバーで「${model}」をダウンロードまたは読み込むか、サーバーにあるモデルを選んでください。`,
      'hint:confirm-key-over-http': () => 'キー欄の下で http での送信を確認するか、https:// を使ってください。',
      'attachment:empty': () => 'このファイルは空です。',
      'attachment:too-large': ({ sizeBytes, limitBytes }) =>
        limitBytes !== undefined && sizeBytes !== undefined
          ? `このファイルは ${formatBytes(sizeBytes)} です。添付できるのは ${formatBytes(limitBytes)} までです。`
          : 'このファイルは大きすぎて添付できません。',
      'attachment:image-too-large': () => 'この画像は送信できる大きさまで縮小できません。',
      'attachment:unsupported-type': ({ type }) =>
        `${type ? `このファイル（${type}）` : 'このファイル'}は添付できません。画像（PNG、JPEG、WebP、GIF）、PDF、テキストファイルを添付してください。`,
      'attachment:not-a-file': () => '添付できるのはファイルだけです。フォルダーは添付できません。',
      'attachment:not-utf8': () =>
        'このファイルは画像でも PDF でも UTF-8／UTF-16 のテキストでもありません。UTF-8 のテキストとして保存してから添付してください。',
      'attachment:damaged-image': () => 'この画像を読み込めません。',
      'attachment:damaged-pdf': () => 'この PDF を読み込めません。',
      'attachment:pdf-too-long': ({ pages, maxPages }) =>
        pages !== undefined && maxPages !== undefined
          ? `この PDF は ${pages} ページあります。添付できるのは ${maxPages} ページまでです。`
          : 'この PDF は長すぎて添付できません。',
      'attachment:pdf-too-much-text': ({ limitBytes }) =>
        `この PDF のテキストはプロンプトに収まる量（${formatBytes(limitBytes)}）を超えています。`,
      'attachment:pdf-too-slow': () => 'この PDF の読み込みに時間がかかりすぎたため、添付しませんでした。',
      'attachment:pdf-too-large': () => 'この PDF の読み込みに必要なメモリが多すぎるため、添付しませんでした。',
      'attachment:bad-name': ({ name }) => `ファイル名「${name}」は使用できません。`,
      'attachment:gone': () => '添付ファイルが見つかりません。いったん外して、もう一度添付してください。',
      'history:change-failed': ({ reason }) =>
        reason === 'disk-full'
          ? 'ディスクの空き容量がありません。空き容量を増やしてください。データは失われていません。'
          : `履歴を変更できませんでした${reason ? `（${writeFailure[reason]}）` : ''}。データは失われていません。`,
      'history:save-failed': ({ reason }) =>
        `履歴を保存できませんでした${reason ? `（${writeFailure[reason]}）` : ''}。テキストは画面に残り、書き込めるようになりしだい保存されます。`,
      'history:saving-again': () => '履歴の保存を再開しました。',
      'history:change-kept': () =>
        'ディスクの空き容量がありません。空き容量を増やしてください。変更は保持され、空きができしだい保存されます。',
      'history:too-many-kept': () =>
        'ディスクの空き容量がなく、保存待ちの変更が多すぎます。空き容量を増やしてください。この変更は行われませんでした。',
      'history:kept-change-lost': ({ change, title }) =>
        `ディスクが満杯の間に行った変更を保存できませんでした（「${title}」の${KEPT_CHANGE_WORDS.ja[change]}）。`,
      'history:import-refused': ({ failure, imported, limitMb, versions, reason }) =>
        `${importFailure(failure, { limitMb, versions, reason })}${
          imported === 0
            ? '何も読み込みませんでした。'
            : `停止するまでに ${imported} 件の会話を読み込みました。もう一度読み込むと残りが追加されます。`
        }`,
      'history:conversation-gone': () => 'その会話はもう存在しません。',
      'history:export-failed': ({ failure }) =>
        failure === 'bad-target'
          ? 'その場所にはエクスポートを保存できません。'
          : 'エクスポートを書き込めませんでした。',
      'history:no-backup': ({ date }) => `${date} のバックアップはありません。`,
      'history:backup-damaged': ({ date }) => `${date} のバックアップは破損しています。何も復元していません。`,
      'history:backup-failed': () => '履歴の毎日のバックアップに失敗しました。',
      'history:damaged': ({ backupDir }) =>
        '会話履歴のファイルが破損しています。StreamDesk を再起動すると、破損したファイルを別の場所に移し（削除はしません）、' +
        `読み取れる部分を復元し、足りない分を最新の毎日のバックアップから補います。バックアップの場所: ${backupDir}`,
      'settings:set-aside': ({ path }) =>
        `設定ファイルを読み込めなかったため、既定の設定を使用しています。元のファイルは ${path} に保存しました。`,
      'settings:key-unreadable': ({ model }) =>
        `${model} の保存済み API キーを読み取れなくなりました。設定でもう一度入力してください。`,
      'history:opened-read-only': ({ reason }) =>
        `${reason ? writeFailure[reason] : '履歴を書き込み用に開けませんでした'}。そのため履歴は読み取り専用で開いています。` +
        '閲覧・検索・エクスポートはできますが、空き容量を増やして（またはフォルダーを修正して）StreamDesk を再起動するまで、新しい内容は保存されません。',
      'history:not-opened': ({ reason }) =>
        `履歴を開けませんでした${reason ? `（${writeFailure[reason]}）` : ''}。このセッションの会話は保存されません。`,
      'history:interrupted': ({ count }) =>
        `前回 StreamDesk を終了したときに ${count} 件の回答が途中で切れました。届いた部分は保存され、中断として表示されます。`,
      'history:salvaged': ({ fromFile, fromBackup, completed, backupDate, path }) => {
        const parts = [
          ...(fromFile > 0 ? [`破損したファイルから ${fromFile} 件`] : []),
          ...(fromBackup > 0 ? [`${backupDate} のバックアップから ${fromBackup} 件`] : []),
        ]
        const filled =
          completed > 0
            ? `（破損で途中までになっていた ${completed} 件は ${backupDate} のバックアップから完全に戻りました）`
            : ''
        return (
          `会話履歴のファイルが破損していました。StreamDesk は会話を${parts.join('、')}復元しました${filled}。` +
          `ファイルの破損部分にあり、どのバックアップにもない内容は失われました。破損したファイルは削除せずに保存しました: ${path}`
        )
      },
      'history:salvaged-nothing': ({ hadBackup, path }) =>
        `会話履歴のファイルが破損しているため読み込めず、復元できる内容もありませんでした${hadBackup ? '（最新のバックアップにも追加の内容はありません）' : '（バックアップはまだありません）'}。` +
        `新しい空の履歴を開始しました。破損したファイルは削除せずに保存しました: ${path}`,
      'shortcut:refused': ({ accelerator }) =>
        `ショートカット ${accelerator} を登録できませんでした。別のアプリが使用している可能性があります。設定で別のキーを選んでください。`,
      'auth:error': ({ reason }) => authReason[reason],
      'cloud:config-invalid': ({ output }) =>
        `StreamDesk のクラウド設定ではありません（デプロイしたスタックの「${output}」出力を貼り付けてください）。`,
      'cloud:credentials-failed': () => 'クラウドのサインインを更新できませんでした。',
      'cloud:backend-older': () =>
        'クラウドのバックエンドがこのアプリより古いため、再デプロイしてください（npm run cdktf:deploy）。推論表示が使えるようになります。',
      'cloud:app-older': () => 'このアプリはクラウドのバックエンドより古いため、アプリを更新してください。',
    } satisfies MessageCatalog,
  },

  toast: { dismiss: '閉じる' },
  crash: { message: 'ウィンドウの表示中に問題が起きました。', reload: '再読み込み' },
  missingBridge: 'StreamDesk のバックエンドに接続できません（window.streamdesk がありません）。',
} satisfies Strings
