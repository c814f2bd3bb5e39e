// `#translations/<locale>` is config/translations/<locale>.json (package.json "imports").
import da from '#translations/da' with { type: 'json' };
import de from '#translations/de' with { type: 'json' };
import fr from '#translations/fr' with { type: 'json' };
import nb from '#translations/nb' with { type: 'json' };
import th from '#translations/th' with { type: 'json' };
import type { Translations } from '../i18n/content';

/** The translations of the data map's and the notice's texts, one file per language. */
export const defaultTranslations: Translations = { de, fr, nb, da, th };
