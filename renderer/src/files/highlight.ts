import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import 'highlight.js/styles/github-dark.css';

/** highlight.js core with the languages people keep in a workspace; the full bundle is ~1 MB. */
const languages = { bash, css, go, ini, javascript, json, markdown, python, rust, typescript, xml, yaml };
for (const [name, language] of Object.entries(languages)) hljs.registerLanguage(name, language);

const byExtension: Readonly<Record<string, string>> = {
  sh: 'bash',
  bash: 'bash',
  zsh: 'bash',
  css: 'css',
  go: 'go',
  ini: 'ini',
  toml: 'ini',
  cfg: 'ini',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  json: 'json',
  md: 'markdown',
  markdown: 'markdown',
  py: 'python',
  rs: 'rust',
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  html: 'xml',
  htm: 'xml',
  xml: 'xml',
  svg: 'xml',
  yml: 'yaml',
  yaml: 'yaml',
};

/** Files beyond this are shown plain: highlighting a huge file would freeze the window. */
const maxHighlightChars = 512 * 1024;

export function languageFor(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? undefined : byExtension[name.slice(dot + 1).toLowerCase()];
}

/**
 * Highlighted HTML for a file's text, or undefined for plain display. highlight.js escapes
 * the text it is given, so its output holds no markup from the file itself.
 */
export function highlightHtml(text: string, name: string): string | undefined {
  const language = languageFor(name);
  if (language === undefined || text.length > maxHighlightChars) return undefined;
  return hljs.highlight(text, { language, ignoreIllegals: true }).value;
}
