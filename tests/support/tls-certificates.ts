import { execFile } from 'node:child_process'
import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { makeTempDir } from './temp-dir'
import { findTool } from './test-tools'

const run = promisify(execFile)
const OPENSSL = findTool('openssl') ?? 'openssl'

export interface TestCertificates {
  /** The self-signed CA clients must trust (PEM). */
  caFile: string
  /** The server's certificate (for `localhost` and 127.0.0.1, signed by the CA) and its key (PEM). */
  certFile: string
  keyFile: string
}

/**
 * A throwaway CA and a server certificate for a local TLS broker, made with openssl in a temp dir. Throwaway keys
 * only: the dir and key are world-readable because Mosquitto started as root drops to its own user before it
 * reads them.
 */
export async function createTestCertificates(): Promise<TestCertificates> {
  const dir = await makeTempDir('tls')
  const file = (name: string) => join(dir, name)
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const caExtensions = [
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]
  await run(OPENSSL, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Test CA',
    ...caExtensions,
  ])
  await run(OPENSSL, [
    'req',
    ...ec,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    '/CN=localhost',
  ])
  const serverExtensions = [
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
  ]
  await writeFile(file('server.ext'), `${serverExtensions.join('\n')}\n`)
  const signing = ['-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-extfile', file('server.ext')]
  await run(OPENSSL, ['x509', '-req', '-in', file('server.csr'), '-out', file('server.pem'), '-days', '2', ...signing])
  await chmod(dir, 0o755)
  await chmod(file('server.key'), 0o644)
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') }
}
