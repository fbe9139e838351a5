// `npm start`'s first step (package.json `prestart`): see start-preflight.ts.
import { checkThisMachine } from './start-preflight'

process.exitCode = checkThisMachine()
