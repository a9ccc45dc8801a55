// The Go-template subset renderer the chart tests use: Go text/template and Helm behaviour where the
// chart relies on it, and a refusal for anything outside the subset.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { Renderer, TemplateError, goFloat, mergeValues, parseTemplate, toYaml, truthy } from './gotemplate.ts';

function render(src: string, data: unknown = {}, defines = ''): string {
  const r = new Renderer();
  if (defines) r.addDefines(parseTemplate(defines, 'helpers').defines);
  const p = parseTemplate(src, 't');
  r.addDefines(p.defines);
  return r.render(p.nodes, data);
}

describe('gotemplate', () => {
  test('trim markers remove the whitespace (newlines included) on their side only', () => {
    assert.equal(render('a  {{- "b" }}  c'), 'ab  c');
    assert.equal(render('a\n  {{ "b" -}}\n  c'), 'a\n  bc');
    assert.equal(render('x\n{{- /* a comment */ -}}\ny'), 'xy');
    assert.equal(render('{{-3}}', {}), '-3', '`{{-3` is the number -3, not a trim marker');
  });

  test('if / else if / else, with, range over lists and maps (sorted keys), variables', () => {
    const t = '{{ if eq .m "a" }}A{{ else if eq .m "b" }}B{{ else }}C{{ end }}';
    assert.equal(render(t, { m: 'a' }), 'A');
    assert.equal(render(t, { m: 'b' }), 'B');
    assert.equal(render(t, { m: 'z' }), 'C');
    assert.equal(render('{{ with .x }}[{{ .y }}]{{ else }}none{{ end }}', { x: { y: 1 } }), '[1]');
    assert.equal(render('{{ with .x }}[{{ .y }}]{{ else }}none{{ end }}', { x: {} }), 'none');
    assert.equal(render('{{ range .l }}<{{ . }}>{{ else }}empty{{ end }}', { l: ['a', 'b'] }), '<a><b>');
    assert.equal(render('{{ range .l }}<{{ . }}>{{ else }}empty{{ end }}', { l: [] }), 'empty');
    assert.equal(render('{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: 2, a: 1 } }), 'a=1;b=2;');
    assert.equal(render('{{ range $i, $v := .l }}{{ if $i }},{{ end }}{{ $v }}{{ end }}', { l: ['x', 'y', 'z'] }), 'x,y,z');
    assert.equal(render('{{ $n := .a }}{{ range .l }}{{ $n }}{{ . }}{{ end }}', { a: '-', l: ['1', '2'] }), '-1-2');
    assert.equal(render('{{ range .l }}{{ $.top }}{{ end }}', { top: 'T', l: [1, 2] }), 'TT');
  });

  test('include + nindent/indent, toYaml with sorted keys and no final newline, quote, default, printf, trunc, trimSuffix', () => {
    const helpers = '{{- define "labels" -}}\nb: {{ .b }}\na: {{ .a }}\n{{- end -}}';
    assert.equal(render('m:\n  {{- include "labels" . | nindent 2 }}', { a: '1', b: '2' }, helpers), 'm:\n  b: 2\n  a: 1');
    assert.equal(render('{{ toYaml .v | indent 2 }}', { v: { z: 1, a: [1, 2] } }), '  a:\n  - 1\n  - 2\n  z: 1');
    assert.equal(toYaml({ b: 1, a: { d: true, c: 'x' } }), 'a:\n  c: x\n  d: true\nb: 1');
    assert.equal(render('{{ .v | quote }}', { v: 'a"b' }), '"a\\"b"');
    assert.equal(render('{{ .v | quote }}', { v: 80 }), '"80"');
    assert.equal(render('{{ default "d" .v }}|{{ default "d" .w }}', { v: '', w: 'w' }), 'd|w');
    assert.equal(render('{{ printf "%s-%s" .a .b }}', { a: 'x', b: 'y' }), 'x-y');
    assert.equal(render('{{ "abcdef" | trunc 3 }}|{{ "ab-" | trimSuffix "-" }}'), 'abc|ab');
    assert.equal(render('{{ contains "lo" "hello" }}{{ hasKey .m "k" }}{{ empty .l }}{{ not true }}', { m: { k: null }, l: [] }), 'truetruetruefalse');
  });

  test('Helm value semantics: float64 printing, nil prints nothing, a field of nil is an error', () => {
    assert.equal(goFloat(8080), '8080');
    assert.equal(goFloat(100000), '100000');
    assert.equal(goFloat(1000000), '1e+06');
    assert.equal(goFloat(1234567), '1.234567e+06');
    assert.equal(goFloat(0.5), '0.5');
    assert.equal(goFloat(0.00001), '1e-05');
    assert.equal(render('[{{ .missing }}]', {}), '[]');
    assert.throws(() => render('{{ .a.b }}', {}), /nil pointer evaluating/);
    assert.equal(render('{{ and .a .a.b }}', {}), '', 'and short-circuits (Go ≥ 1.18)');
    assert.equal(render('{{ or .a "x" }}', {}), 'x');
    assert.ok(!truthy(0) && !truthy('') && !truthy([]) && !truthy({}) && !truthy(null) && truthy('0') && truthy([0]));
  });

  test('anything outside the subset is refused, not guessed', () => {
    assert.throws(() => render('{{ upper "x" }}'), /outside the supported subset/);
    assert.throws(() => render('{{ template "x" . }}'), /outside the supported subset/);
    assert.throws(() => render('{{ eq .n 1 }}', { n: 1 }), /only strings and booleans/);
    assert.throws(() => render('{{ printf "%d" 1 }}'), /only %s, %v and %q/);
    assert.throws(() => render('{{ printf "%s" 1 }}'), /use %v/);
    assert.throws(() => render('{{ if true }}x'), /missing \{\{ end \}\}/);
    assert.throws(() => render('{{ required "need x" .x }}', {}), (e: unknown) => e instanceof TemplateError && /need x/.test(e.message));
    assert.throws(() => render('{{ fail "stop" }}'), /stop/);
  });

  test('values merge like Helm: maps deep, lists replaced, null deletes', () => {
    assert.deepEqual(mergeValues({ a: { b: 1, c: 2 }, l: [1, 2], d: 'x' }, { a: { c: 3 }, l: [9], d: null }), { a: { b: 1, c: 3 }, l: [9] });
  });
});

// Differential check against Go's own text/template, compiled to WebAssembly by the npm package
// @evertdespiegeleer/go-template (a devDependency the project does not have yet: the test skips without
// it). That engine has no sprig or Helm functions and treats a missing key as an error, so the cases
// stay inside plain text/template with every key present.
const GO_TEMPLATE = '@evertdespiegeleer/go-template';
let goParse: ((template: string, values: unknown) => Promise<string>) | undefined;
try {
  const specifier = GO_TEMPLATE;
  goParse = ((await import(specifier)) as { parse: typeof goParse }).parse;
} catch {
  goParse = undefined;
}

describe('gotemplate against Go text/template (WebAssembly)', { skip: goParse ? false : `needs the devDependency ${GO_TEMPLATE}` }, () => {
  const cases: [string, unknown][] = [
    ['a  {{- "b" }}  c\n  {{ "d" -}}\n  e', {}],
    ['x\n{{- /* a comment */ -}}\ny', {}],
    ['{{ if eq .m "a" }}A{{ else if eq .m "b" }}B{{ else }}C{{ end }}', { m: 'b' }],
    ['{{ with .x }}[{{ .y }}]{{ else }}none{{ end }}|{{ with .z }}[{{ .y }}]{{ else }}none{{ end }}', { x: { y: 1 }, z: {} }],
    ['{{ range .l }}<{{ . }}>{{ else }}empty{{ end }}|{{ range .e }}x{{ else }}empty{{ end }}', { l: ['a', 'b'], e: [] }],
    ['{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: 2, a: 1, c: true } }],
    ['{{ range $i, $v := .l }}{{ if $i }},{{ end }}{{ $v }}{{ end }}', { l: ['x', 'y', 'z'] }],
    ['{{ $n := .a }}{{ range .l }}{{ $n }}{{ . }}{{ $.top }}{{ end }}', { a: '-', l: ['1', '2'], top: 'T' }],
    ['{{ .n }}|{{ .big }}|{{ .odd }}|{{ .f }}|{{ .tiny }}|{{ .neg }}', { n: 8080, big: 1000000, odd: 1234567, f: 0.5, tiny: 0.00001, neg: -2500000 }],
    ['{{ and .a .b }}|{{ or .c .a }}|{{ not .c }}|{{ and .c .a }}', { a: 'A', b: 'B', c: '' }],
    ['{{ printf "%s-%v-%q" .s .n .s }}', { s: 'x', n: 3 }],
    ['{{ .l }}|{{ .t }}|{{ .f }}', { l: ['a', 'b'], t: true, f: false }],
    ['{{ if .l }}yes{{ end }}{{ if .e }}no{{ end }}{{ if .z }}no{{ end }}{{ if .m }}no{{ end }}', { l: [0], e: [], z: 0, m: {} }],
  ];
  for (const [template, data] of cases) {
    test(JSON.stringify(template), async () => {
      assert.equal(render(template, data), await goParse!(template, data));
    });
  }
});
