// The SDK's notice about Node 20 (Lambda runs nodejs22.x), and the structured logs of
// runs that tests make fail on purpose, are noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
