import { parseBodyTemplate, PLACEHOLDER_NAMES, renderBodyTemplate, TemplateError } from '../../nodes/shared/bodyTemplate';

const render = (template: string, values: Record<string, unknown>) =>
	JSON.parse(renderBodyTemplate(parseBodyTemplate(template), values)) as Record<string, unknown>;

const HOSTILE = [
	'quote " inside',
	'backslash \\ and \\" escaped quote',
	'new\nline\r\nand\ttab',
	'emoji 😀👍🏽 and RTL \u202e text',
	'{{to}} and }} and {{',
	'", "admin": true, "x": "',
	'\\u0000 null char \u0000 and \u2028 line separator',
	'{"injected": true}',
	'</script><script>alert(1)</script>',
];

describe('webhook body template', () => {
	it('keeps the template\'s fields and puts values as strings', () => {
		expect(render('{"to": "{{to}}", "text": "{{text}}"}', { to: '+14155550123', text: 'Hello' })).toEqual({
			to: '+14155550123',
			text: 'Hello',
		});
	});

	it.each(HOSTILE)('renders valid JSON that cannot gain or change a field: %p', (value) => {
		const template = '{"to": "{{to}}", "text": "{{text}}", "greeting": "Hi {{text}}!", "fixed": "yes", "message": {{message}}}';
		const rendered = renderBodyTemplate(parseBodyTemplate(template), { to: value, text: value, message: { text: value } });
		const body = JSON.parse(rendered) as Record<string, unknown>;
		expect(Object.keys(body).sort()).toEqual(['fixed', 'greeting', 'message', 'text', 'to']);
		expect(body.to).toBe(value);
		expect(body.text).toBe(value);
		expect(body.greeting).toBe(`Hi ${value}!`);
		expect(body.fixed).toBe('yes');
		expect(body.message).toEqual({ text: value });
	});

	it('inserts objects for whole-value placeholders, bare or quoted', () => {
		const body = render('{"m": {{message}}, "q": "{{templateVariables}}", "list": [{{to}}, "{{to}}"]}', {
			message: { type: 'text', text: { body: 'x' } },
			templateVariables: { 1: 'Ana' },
			to: '+1',
		});
		expect(body).toEqual({ m: { type: 'text', text: { body: 'x' } }, q: { 1: 'Ana' }, list: ['+1', '+1'] });
	});

	it('gives null for an empty bare placeholder and "" inside a string', () => {
		expect(render('{"a": {{replyTo}}, "b": "{{replyTo}}", "c": "x{{replyTo}}y"}', {})).toEqual({ a: null, b: '', c: 'xy' });
	});

	it('allows spaces inside the braces', () => {
		expect(render('{"to": "{{ to }}"}', { to: '+1' })).toEqual({ to: '+1' });
	});

	it('does not expand placeholders that arrive inside values', () => {
		expect(render('{"text": "{{text}}", "to": "{{to}}"}', { text: '{{to}}', to: 'secret-number' })).toEqual({
			text: '{{to}}',
			to: 'secret-number',
		});
	});

	it('knows every documented placeholder', () => {
		const template = `{${PLACEHOLDER_NAMES.map((name) => `"${name}": "{{${name}}}"`).join(', ')}}`;
		expect(() => parseBodyTemplate(template)).not.toThrow();
	});

	it('rejects a template that is not JSON, saying so', () => {
		expect(() => parseBodyTemplate('{"to": "{{to}}",')).toThrow(TemplateError);
		expect(() => parseBodyTemplate('{"to": "{{to}}",')).toThrow(/not valid JSON/);
		expect(() => parseBodyTemplate('to={{to}}')).toThrow(/not valid JSON/);
	});

	it('rejects unknown placeholders, naming them', () => {
		expect(() => parseBodyTemplate('{"to": "{{recipient}}", "x": {{foo}}}')).toThrow(/unknown placeholders \{\{recipient\}\}, \{\{foo\}\}/);
	});
});
