// @camunda8/sdk (Camunda's own Node client) against the sandbox: Console clusters, clients and secrets through the
// AdminApiClient, and a cluster topology call through the CamundaRestClient with a new client's token.
// Run by tests/sandbox/tests/test_third_party_clients.py (NODE_PATH=build/node-clients/node_modules,
// NODE_EXTRA_CA_CERTS=the sandbox CA). Prints one JSON line {"passed": [...], "failed": [...]} and exits 0;
// a crash before that exits non-zero.
'use strict'

const assert = require('node:assert/strict')
const { Camunda8 } = require('@camunda8/sdk')

const env = process.env
const clusterId = env.SANDBOX_CLUSTER_ID
const passed = []
const failed = []

async function check (name, work) {
  try {
    await work()
    passed.push(name)
  } catch (err) {
    failed.push(`${name}: ${err && err.message ? err.message : err}`)
  }
}

function oauthConfig (extra) {
  return Object.assign({
    CAMUNDA_AUTH_STRATEGY: 'OAUTH',
    CAMUNDA_OAUTH_URL: env.CAMUNDA_OAUTH_URL,
    CAMUNDA_TOKEN_DISK_CACHE_DISABLE: true,
    CAMUNDA_CONSOLE_BASE_URL: env.CAMUNDA_CONSOLE_BASE_URL,
    CAMUNDA_CONSOLE_CLIENT_ID: env.CAMUNDA_CONSOLE_CLIENT_ID,
    CAMUNDA_CONSOLE_CLIENT_SECRET: env.CAMUNDA_CONSOLE_CLIENT_SECRET,
    CAMUNDA_CONSOLE_OAUTH_AUDIENCE: env.CAMUNDA_CONSOLE_OAUTH_AUDIENCE
  }, extra || {})
}

async function main () {
  // The SDK uses the CAMUNDA_CONSOLE_* credentials only when the token URL is SaaS's own host; against any other
  // token service (this sandbox, a mirror) it takes the application credential set, so give it the same client.
  const admin = new Camunda8(oauthConfig({
    ZEEBE_CLIENT_ID: env.CAMUNDA_CONSOLE_CLIENT_ID,
    ZEEBE_CLIENT_SECRET: env.CAMUNDA_CONSOLE_CLIENT_SECRET
  })).getAdminApiClient()
  let created = null

  await check('getClusters lists the sandbox clusters', async () => {
    const clusters = await admin.getClusters()
    assert.ok(clusters.some((c) => c.uuid === clusterId), JSON.stringify(clusters.map((c) => c.uuid)))
  })
  await check('getCluster reads one', async () => {
    const cluster = await admin.getCluster(clusterId)
    assert.equal(cluster.uuid, clusterId)
    assert.ok(cluster.links.zeebe.startsWith(clusterId + '.'))
  })
  await check('createClient returns the secret once', async () => {
    created = await admin.createClient({ clusterUuid: clusterId, clientName: 'sdk-round-trip', permissions: ['Zeebe'] })
    assert.ok(created.clientId && created.clientSecret)
    assert.deepEqual(created.permissions, ['Zeebe'])
  })
  await check('getClients lists the new client', async () => {
    const clients = await admin.getClients(clusterId)
    const mine = clients.filter((c) => c.clientId === created.clientId)
    assert.equal(mine.length, 1)
    assert.equal(mine[0].name, 'sdk-round-trip')
    assert.equal(JSON.stringify(clients).includes(created.clientSecret), false)
  })
  await check('getClient reads its connection details', async () => {
    const details = await admin.getClient(clusterId, created.clientId)
    assert.equal(details.ZEEBE_CLIENT_ID, created.clientId)
    assert.ok(details.ZEEBE_ADDRESS.startsWith(clusterId + '.'))
    assert.equal(details.ZEEBE_AUTHORIZATION_SERVER_URL, 'https://login.cloud.camunda.io/oauth/token')
  })
  await check('createSecret, getSecrets, updateSecret, deleteSecret', async () => {
    await admin.createSecret({ clusterUuid: clusterId, secretName: 'sdkSecret', secretValue: 'one' })
    assert.equal((await admin.getSecrets(clusterId)).sdkSecret, 'one')
    await admin.updateSecret(clusterId, 'sdkSecret', 'two')
    assert.equal((await admin.getSecrets(clusterId)).sdkSecret, 'two')
    await admin.deleteSecret(clusterId, 'sdkSecret')
    assert.equal('sdkSecret' in (await admin.getSecrets(clusterId)), false)
  })
  // The cluster API with the new client's own credentials, from the configured token service (never the Console's
  // reported ZEEBE_AUTHORIZATION_SERVER_URL, which is the public SaaS one).
  const cluster = new Camunda8(oauthConfig({
    ZEEBE_REST_ADDRESS: `${env.SANDBOX_CLUSTER_REST_URL}/${clusterId}`,
    ZEEBE_GRPC_ADDRESS: 'grpcs://127.0.0.1:1',
    ZEEBE_CLIENT_ID: created ? created.clientId : 'none',
    ZEEBE_CLIENT_SECRET: created ? created.clientSecret : 'none',
    ZEEBE_TOKEN_AUDIENCE: env.SANDBOX_CLUSTER_AUDIENCE,
    CAMUNDA_ZEEBE_OAUTH_AUDIENCE: env.SANDBOX_CLUSTER_AUDIENCE
  }))
  await check('cluster token from the token service', async () => {
    const headers = await cluster.getAdminApiClient().oAuthProvider.getHeaders('ZEEBE')
    assert.ok(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(headers.authorization), 'a JWT bearer token')
  })
  await check("topology of the cluster through the SDK's REST client", async () => {
    const topology = await cluster.getCamundaRestClient().getTopology()
    assert.equal(topology.brokers.length, 3)
    assert.ok(topology.gatewayVersion)
  })
  await check('deleteClient removes it', async () => {
    await admin.deleteClient(clusterId, created.clientId)
    const clients = await admin.getClients(clusterId)
    assert.equal(clients.some((c) => c.clientId === created.clientId), false)
  })
  console.log(JSON.stringify({ passed, failed }))
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err)
  process.exit(2)
})
