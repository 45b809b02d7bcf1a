// The SDK's notice about Node 20 (Lambda runs nodejs22.x), and the structured logs of
// runs that tests make fail on purpose, are noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// Tests talk only to local peers on 127.0.0.1 (and mocked clients): fake credentials, never real ones.
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_PROFILE;
process.env.AWS_REGION ??= 'eu-central-1';
