import { inputError } from '../../shared/errors';
import { ofType, text, type MessageTypeDefinition } from './types';

export const locationMessage: MessageTypeDefinition = {
	option: { name: 'Location', value: 'location' },
	fields: [
		{
			displayName: 'Latitude',
			name: 'latitude',
			type: 'number',
			typeOptions: { numberPrecision: 6, minValue: -90, maxValue: 90 },
			default: 0,
			required: true,
			displayOptions: { show: ofType('location') },
		},
		{
			displayName: 'Longitude',
			name: 'longitude',
			type: 'number',
			typeOptions: { numberPrecision: 6, minValue: -180, maxValue: 180 },
			default: 0,
			required: true,
			displayOptions: { show: ofType('location') },
		},
		{
			displayName: 'Location Name',
			name: 'locationName',
			type: 'string',
			default: '',
			displayOptions: { show: ofType('location') },
		},
		{
			displayName: 'Address',
			name: 'locationAddress',
			type: 'string',
			default: '',
			displayOptions: { show: ofType('location') },
		},
	],
	read(reader, common) {
		const { ctx, itemIndex: i } = reader;
		const latitude = Number(ctx.getNodeParameter('latitude', i, 0));
		const longitude = Number(ctx.getNodeParameter('longitude', i, 0));
		if (!Number.isFinite(latitude) || Math.abs(latitude) > 90 || !Number.isFinite(longitude) || Math.abs(longitude) > 180) {
			throw inputError(ctx.getNode(), i, `Invalid coordinates ${latitude}, ${longitude} (item ${i})`, 'Latitude is between -90 and 90, longitude between -180 and 180.', {
				field: 'Latitude / Longitude',
				value: `${latitude}, ${longitude}`,
				rule: 'latitude between -90 and 90, longitude between -180 and 180',
			});
		}
		return {
			...common,
			type: 'location',
			location: { latitude, longitude, name: text(reader, 'locationName') || undefined, address: text(reader, 'locationAddress') || undefined },
		};
	},
};
