/** The quick-ask window's page: one question to the default model, over the same IPC and MQTT connection. */
import { mountRenderer } from '../bootstrap'
import { QuickAsk } from './QuickAsk'
import '../styles/theme.css'
import '../styles/toasts.css'
import '../styles/markdown.css'
import '../styles/highlight.css'
import '../styles/attachments.css'
import '../styles/quick-ask.css'

mountRenderer(<QuickAsk />)
