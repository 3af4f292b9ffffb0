// Secrets. "Documented": the kinds docs/guardrails.md lists (Google API keys
// and service-account keys, PEM private keys, AWS access keys, GitHub and
// Slack tokens, JWTs, credentials assigned to a name, passwords included).
// "Other": widely used formats from vendors' own documentation of their
// token shapes (prefix, length, alphabet).
import { c, type Case } from './types.js';
import { alnum, b32, b64, b64url, from, hex, keys, letters, lower, upper, urlsafe } from './gen.js';

const d = (kind: string, template: string, value: string): Case => c('secret-documented', kind, template.replace('{}', value), value);
const o = (kind: string, template: string, value: string): Case => c('secret-other', kind, template.replace('{}', value), value);

export function documentedSecrets(): Case[] {
  const { ec, rsa, openssh } = keys();
  const jwt = () => `${b64url({ alg: 'RS256', typ: 'JWT', kid: hex(8) })}.${b64url({ sub: lower(10), iss: 'https://login.example.com', exp: 1900000000 })}.${urlsafe(86)}`;
  const saKeyId = hex(40);
  const sa = JSON.stringify({ type: 'service_account', project_id: 'acme-prod', private_key_id: saKeyId, private_key: ec, client_email: 'ci@acme-prod.iam.gserviceaccount.com' }, null, 2);
  return [
    d('google-api-key', 'const firebaseConfig = { apiKey: "{}", authDomain: "acme.firebaseapp.com" };', `AIza${urlsafe(35)}`),
    d('google-api-key', 'curl "https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key={}"', `AIza${urlsafe(35)}`),
    d('google-api-key', 'GOOGLE_API_KEY={}', `AIza${urlsafe(35)}`),
    d('google-sa-key', `Here is our service account key, why does auth fail?\n{}`, sa),
    d('google-sa-key-id', '"private_key_id": "{}",', saKeyId),
    d('private-key', 'why does this fail?\n{}', ec),
    d('private-key', 'old deploy key:\n{}', rsa),
    d('private-key', 'my ~/.ssh/id_ed25519 is\n{}', openssh),
    d('private-key', 'truncated paste: {}', ec.slice(0, 120)),
    d('aws-access-key', 'aws_access_key_id = {}', `AKIA${b32(16)}`),
    d('aws-access-key', 'the temporary key {} expired', `ASIA${b32(16)}`),
    d('aws-access-key', 'export AWS_ACCESS_KEY_ID={}', `AKIA${b32(16)}`),
    d('aws-secret', 'aws_secret_access_key = {}', b64(40)),
    d('aws-secret', 'AWS_SECRET_ACCESS_KEY="{}"', b64(40)),
    d('aws-secret', '[default]\naws_secret_access_key={}\nregion=eu-west-1', b64(40)),
    d('github-token', 'git clone https://{}@github.com/acme/infra.git', `ghp_${alnum(36)}`),
    d('github-token', 'GH_TOKEN={}', `gho_${alnum(36)}`),
    d('github-token', 'token: {}', `github_pat_${alnum(22)}_${alnum(59)}`),
    d('github-token', 'the app token {} is shown once', `ghs_${alnum(36)}`),
    d('slack-token', 'SLACK_BOT_TOKEN={}', `xoxb-${from('0123456789', 12)}-${from('0123456789', 13)}-${alnum(24)}`),
    d('slack-token', 'user token {}', `xoxp-${from('0123456789', 12)}-${from('0123456789', 12)}-${from('0123456789', 13)}-${hex(32)}`),
    d('slack-webhook', 'post alerts to {}', `https://hooks.slack.com/services/T${upper(8)}/B${upper(10)}/${alnum(24)}`),
    d('jwt', 'Authorization: Bearer {}', jwt()),
    d('jwt', 'the id_token was {} and it expired', jwt()),
    d('jwt', 'cookie: session={}; Path=/', jwt()),
    d('assignment', 'db_password = "{}"', alnum(18)),
    d('assignment', 'DB_PASS={}', `${letters(4)}$${alnum(3)}&${alnum(4)}!`),
    d('assignment', 'password: {}', `P@ss#w0rd!${from('0123456789', 4)}`),
    d('assignment', '{"username": "svc-backup", "password": "{}"}', `${alnum(6)}#${alnum(5)}@!`),
    d('assignment', "spring.datasource.password='{}'", `${alnum(10)}&${alnum(3)}`),
    d('assignment', 'api_key: {}', lower(32)),
    d('assignment', 'client_secret = "{}"', urlsafe(40)),
    d('assignment', 'x-api-key: {}', alnum(40)),
    d('assignment', 'curl -H "X-Api-Key: {}" https://api.example.com/v2/items', hex(32)),
    d('assignment', 'SECRET_KEY = "{}"', `django-insecure-${from('abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)', 50)}`),
    d('assignment', 'ENCRYPTION_KEY={}', b64(44)),
    d('assignment', 'my password is {}, please keep it safe', `Tr0ub4dor&${from('0123456789', 2)}`),
    d('assignment', 'Mein Passwort ist {}', `Sommer${from('0123456789', 4)}!`),
    d('assignment', 'mot de passe : {}', `Soleil#${from('0123456789', 3)}`),
    d('assignment', 'token = {}', `${alnum(20)}.${alnum(12)}`),
    d('assignment', 'auth_token: "{}"', hex(40)),
    d('assignment', '<add key="StoragePassword" value="{}" />', `${alnum(8)}$${alnum(4)}`),
  ];
}

export function otherSecrets(): Case[] {
  return [
    o('stripe', 'stripe.api_key = "{}"', `sk_live_${alnum(24)}`),
    o('stripe', 'STRIPE_SECRET_KEY={}', `sk_test_${alnum(99)}`),
    o('stripe', 'restricted key {}', `rk_live_${alnum(24)}`),
    o('stripe', 'webhook signing secret {}', `whsec_${alnum(32)}`),
    o('gitlab', 'GITLAB_TOKEN={}', `glpat-${urlsafe(20)}`),
    o('gitlab', 'deploy token {}', `gldt-${urlsafe(20)}`),
    o('gitlab', 'runner registration {}', `glrt-${urlsafe(20)}`),
    o('npm', '//registry.npmjs.org/:_authToken={}', `npm_${alnum(36)}`),
    o('npm', 'NPM_TOKEN={}', `npm_${alnum(36)}`),
    o('huggingface', 'HF_TOKEN={}', `hf_${letters(34)}`),
    o('huggingface', 'huggingface-cli login --token {}', `hf_${letters(34)}`),
    o('sendgrid', 'SENDGRID_API_KEY={}', `SG.${urlsafe(22)}.${urlsafe(43)}`),
    o('azure-storage', 'DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey={};EndpointSuffix=core.windows.net', `${b64(86)}==`),
    o('azure-servicebus', 'Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={}', `${b64(43)}=`),
    o('azure-sas', 'https://acme.blob.core.windows.net/c/f.csv?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01&sig={}', `${b64(43)}%3D`),
    o('azure-ad-secret', 'AZURE_CLIENT_SECRET={}', `${alnum(3)}8Q~${urlsafe(34)}`),
    o('database-url', 'DATABASE_URL=postgres://app:{}@db.internal:5432/prod', alnum(16)),
    o('database-url', 'mongodb+srv://admin:{}@cluster0.abcde.mongodb.net/test', alnum(14)),
    o('database-url', 'mysql://root:{}@127.0.0.1:3306/shop', alnum(12)),
    o('database-url', 'REDIS_URL=redis://default:{}@redis-12345.example.cloud:12345', alnum(32)),
    o('database-url', 'amqp://guest:{}@rabbit.internal:5672/', alnum(12)),
    o('database-url', 'Server=tcp:acme.database.windows.net,1433;Database=prod;User ID=app;Password={};Encrypt=true;', `${alnum(10)}!`),
    o('google-oauth', 'Authorization: Bearer {}', `ya29.${urlsafe(150)}`),
    o('google-oauth', 'access_token={}&token_type=Bearer', `ya29.a0${urlsafe(120)}`),
    o('google-oauth', 'refresh token {}', `1//0${urlsafe(100)}`),
    o('google-oauth', '"client_secret": "{}"', `GOCSPX-${urlsafe(28)}`),
    o('anthropic', 'x-api-key: {}', `sk-ant-api03-${urlsafe(93)}AA`),
    o('anthropic', 'ANTHROPIC_API_KEY={}', `sk-ant-api03-${urlsafe(93)}AA`),
    o('openai', 'OPENAI_API_KEY={}', `sk-proj-${urlsafe(74)}T3BlbkFJ${urlsafe(74)}`),
    o('openai', 'openai.api_key = "{}"', `sk-${alnum(20)}T3BlbkFJ${alnum(20)}`),
    o('twilio', 'TWILIO_API_KEY={}', `SK${hex(32)}`),
    o('digitalocean', 'DIGITALOCEAN_TOKEN={}', `dop_v1_${hex(64)}`),
    o('pypi', 'password = {}', `pypi-AgEIcHlwaS5vcmc${urlsafe(70)}`),
    o('docker', 'docker login -u acme -p {}', `dckr_pat_${urlsafe(27)}`),
    o('vault', 'VAULT_TOKEN={}', `hvs.${urlsafe(90)}`),
    o('databricks', 'DATABRICKS_TOKEN={}', `dapi${hex(32)}`),
    o('postman', 'POSTMAN_API_KEY={}', `PMAK-${hex(24)}-${hex(34)}`),
    o('shopify', 'SHOPIFY_ACCESS_TOKEN={}', `shpat_${hex(32)}`),
    o('linear', 'LINEAR_API_KEY={}', `lin_api_${alnum(40)}`),
    o('telegram', 'bot token {}', `${from('0123456789', 10)}:AA${urlsafe(33)}`),
    o('discord', 'webhook {}', `https://discord.com/api/webhooks/${from('0123456789', 18)}/${urlsafe(68)}`),
    o('mailgun', 'MAILGUN_API_KEY={}', `key-${hex(32)}`),
    o('mailchimp', 'MAILCHIMP_KEY={}', `${hex(32)}-us${from('123456789', 1)}`),
    o('new-relic', 'NEW_RELIC_API_KEY={}', `NRAK-${upper(27)}`),
    o('sentry', 'SENTRY_AUTH_TOKEN={}', `sntrys_${b64(60)}`),
    o('grafana', 'GRAFANA_TOKEN={}', `glsa_${alnum(32)}_${hex(8)}`),
    o('square', 'SQUARE_ACCESS_TOKEN={}', `EAAA${urlsafe(60)}`),
    o('alibaba', 'ALIBABA_ACCESS_KEY_ID={}', `LTAI${alnum(20)}`),
    o('basic-auth-url', 'pip install --index-url https://deploy:{}@pypi.acme.example/simple pkg', alnum(20)),
    o('bearer', 'curl -H "Authorization: Bearer {}" https://api.example.com/v1/me', urlsafe(43)),
    o('bearer', 'Authorization: Basic {}', Buffer.from(`admin:${alnum(14)}`).toString('base64')),
    o('heroku', 'HEROKU_API_KEY={}', `HRKU-${urlsafe(60)}`),
  ];
}
