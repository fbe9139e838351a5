import { mountRenderer } from './bootstrap'
import { App } from './components/App'
import './styles/theme.css'
import './styles/toasts.css'
import './styles/app.css'
import './styles/attachments.css'
import './styles/model-files.css'
import './styles/compare.css'
import './styles/markdown.css'
import './styles/highlight.css'

mountRenderer(<App />)
