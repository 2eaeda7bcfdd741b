import { normalisePhone, toDigits, toTwilioAddress } from '../../nodes/shared/phone';

describe('normalisePhone', () => {
	it.each([
		['+14155550123', '+14155550123'],
		['14155550123', '+14155550123'],
		['+1 (415) 555-0123', '+14155550123'],
		['+44 20.7946.0958', '+442079460958'],
		['  +49 30 1234567 ', '+49301234567'],
		['whatsapp:+14155550123', '+14155550123'],
		['WhatsApp:+1 415 555 0123', '+14155550123'],
		[5511987654321, '+5511987654321'],
	])('accepts %p as %p', (input, expected) => {
		expect(normalisePhone(input)).toBe(expected);
	});

	const invalid: Array<[unknown, string]> = [
		['', 'empty'],
		['abc', 'letters'],
		['+0123456789', 'leading zero'],
		['+1234', 'too short'],
		['+1234567890123456', 'more than 15 digits'],
		['+1 415 555 0123 ext 4', 'extension'],
		['++14155550123', 'double plus'],
		['1415555O123', 'letter O'],
		[undefined, 'undefined'],
		[null, 'null'],
		[{}, 'object'],
	];
	it.each(invalid)('rejects %p (%s)', (input) => {
		expect(normalisePhone(input)).toBeUndefined();
	});
});

describe('provider formats', () => {
	it('gives Meta digits only', () => {
		expect(toDigits('+14155550123')).toBe('14155550123');
	});

	it('gives Twilio a whatsapp: prefix, never doubled', () => {
		expect(toTwilioAddress('+14155550123')).toBe('whatsapp:+14155550123');
		expect(toTwilioAddress('whatsapp:+14155550123')).toBe('whatsapp:+14155550123');
		expect(toTwilioAddress('+1 (415) 555-0123')).toBe('whatsapp:+14155550123');
	});
});
