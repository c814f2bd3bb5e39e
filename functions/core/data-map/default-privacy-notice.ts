import raw from '../../../config/privacy-notice.json' with { type: 'json' };
import { defaultDataMap } from './default-data-map';
import { type PrivacyNotice, parsePrivacyNotice } from './privacy-notice';

/** The notice ops ship in config/, checked against the shipped data map when a Lambda loads. */
export const defaultPrivacyNotice: PrivacyNotice = parsePrivacyNotice(raw, defaultDataMap);
