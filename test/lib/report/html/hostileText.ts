/**
 * Text an inventory may carry to break out of an HTML page: closing the script
 * block, injecting markup or an event handler, JavaScript's line separators,
 * bidi overrides, controls, a remote URL, and a prototype key.
 */
export const HOSTILE = {
  script: '</script><script>document.title="pwned"</script>',
  markup: '"><img src=x onerror="document.title=\'pwned\'">',
  comment: '<!-- <script>',
  separators: 'a\u2028b\u2029c',
  bidi: 'abc\u202etxt.exe',
  controls: 'x\u0000\u001b[2J\u0007y',
  url: 'https://evil.example/track.png',
  entities: '&lt;b&gt; & &amp;',
  unicode: '株式会社テスト 🚀',
  proto: '__proto__',
} as const;

/** Every hostile text joined, for fields that hold one string. */
export const ALL_HOSTILE = Object.values(HOSTILE).join(' | ');
