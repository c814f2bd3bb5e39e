// `#privacy-notice` is config/privacy-notice.json, or the deployment's privacyNoticeFile (as #data-map).
import raw from '#privacy-notice' with { type: 'json' };
import { defaultDataMap } from './default-data-map';
import { type PrivacyNotice, parsePrivacyNotice } from './privacy-notice';

/** The deployment's privacy notice, checked against its data map when a Lambda loads. */
export const defaultPrivacyNotice: PrivacyNotice = parsePrivacyNotice(raw, defaultDataMap);
