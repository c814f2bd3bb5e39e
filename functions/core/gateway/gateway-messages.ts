/**
 * Text of the download gateway's pages in every language the game supports. Each locale is a
 * full record of the English keys, so a missing translation fails the type check instead of
 * showing a key to a player. `{name}` marks a value filled in at use (HTML-escaped there).
 *
 * One form of address per language, the same as the e-mail and the archive: German "du", French
 * "vous", Norwegian and Danish "du", Thai the neutral polite คุณ (test/unit/gateway-pages.test.ts
 * scans the German catalogues for formal words).
 */
import { ARCHIVE_LOCALES, type ArchiveLocale, resolveArchiveLocale } from '../i18n/archive-messages';

export type GatewayLocale = ArchiveLocale;

/** The grant's locale decides; region tags fold to their language, anything unknown to English. */
export const resolveGatewayLocale: (tag: string | undefined) => GatewayLocale = resolveArchiveLocale;

/** One language range of an Accept-Language header and its weight. */
export interface LanguageRange {
  /** The range as sent, lower-cased: "de-ch", "*". */
  range: string;
  /** 0 to 1; 0 means "not acceptable". */
  q: number;
}

// RFC 9110 §12.5.4 and RFC 4647 §2.1: language-range [ OWS ";" OWS "q=" qvalue ].
const RANGE = /^(\*|[a-z]{1,8}(?:-[a-z0-9]{1,8})*)$/i;
const WEIGHT = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i;
/** A browser sends a handful; anything longer is not a browser and is cut, never parsed whole. */
const MAX_HEADER_CHARS = 1024;
const MAX_RANGES = 32;

/**
 * The ranges of an Accept-Language header, highest weight first (ties keep the sender's order).
 * Malformed entries are skipped, not fatal: a header is a hint, never a reason to fail a page.
 */
export function parseAcceptLanguage(header: string | undefined): LanguageRange[] {
  if (!header) return [];
  const ranges: LanguageRange[] = [];
  for (const part of header.slice(0, MAX_HEADER_CHARS).split(',').slice(0, MAX_RANGES)) {
    const [rawRange = '', ...params] = part.split(';').map((p) => p.trim());
    if (!RANGE.test(rawRange)) continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const weight = WEIGHT.exec(param.replace(/\s+/g, ''));
      if (weight) q = Number(weight[1]);
      else valid = false;
    }
    if (valid) ranges.push({ range: rawRange.toLowerCase(), q });
  }
  // Array.prototype.sort is stable, so equal weights keep the order the browser sent them in.
  return ranges.sort((a, b) => b.q - a.q);
}

// Norwegian without a written standard ("no", "nn") reads Bokmål far better than English.
const ALIASES: Readonly<Record<string, GatewayLocale>> = { no: 'nb', nn: 'nb' };

/** The catalogue a range asks for, by its language subtag; undefined for one we do not have. */
function supported(range: string): GatewayLocale | undefined {
  if (range === '*') return 'en';
  const language = range.split('-')[0] ?? '';
  if ((ARCHIVE_LOCALES as readonly string[]).includes(language)) return language as GatewayLocale;
  return ALIASES[language];
}

/**
 * The language of a page whose grant is unknown (404, 429, 405, 500): the first language of the
 * request's Accept-Language, by weight, that has a catalogue; English when none has.
 */
export function negotiateGatewayLocale(acceptLanguage: string | undefined): GatewayLocale {
  for (const { range, q } of parseAcceptLanguage(acceptLanguage)) {
    if (q <= 0) continue;
    const locale = supported(range);
    if (locale) return locale;
  }
  return 'en';
}

const en = {
  landingTitle: 'Your data is ready',
  landingIntro:
    'This is the copy of the personal data we hold about your account that you asked for. Check what is inside, then download it.',
  archive: 'Archive',
  fileName: 'File',
  size: 'Size',
  contents: 'What is inside',
  category: 'Category',
  records: 'Records',
  noCategories: 'The archive holds no records: we hold no stored data about your account.',
  expires: 'Link valid until',
  timeLeft: 'Time left',
  downloadsLeft: 'Downloads left',
  downloadsLeftValue: '{left} of {max}',
  downloadButton: 'Download ({size})',
  downloadNote:
    'Each press of the button counts as one download. The archive is a ZIP file: open index.html inside it to read your data in a browser.',
  notFoundTitle: 'Link not found',
  notFoundText:
    'This download link does not exist. Check that you copied the whole link from the e-mail, or ask for a new copy of your data.',
  expiredTitle: 'This link has expired',
  expiredText: 'The download link was valid until {date}. The archive has been deleted.',
  usedUpTitle: 'This link has been used up',
  usedUpText: 'The archive has already been downloaded {max} times, the most this link allows.',
  revokedTitle: 'This link has been withdrawn',
  revokedText:
    'The download link was withdrawn, for example because you reported that you did not ask for it.',
  askAgain:
    'You can ask for a new copy of your data at any time in the account portal of the game, under Privacy. You will get a new e-mail with a new link.',
  askAgainLink: 'Open the account portal',
  tooManyTitle: 'Too many attempts',
  tooManyText: 'Too many unknown links were opened from your network. Please try again in {duration}.',
  errorTitle: 'Something went wrong',
  errorText: 'We could not answer this request. Please try again in a few minutes; your link still works.',
  methodNotAllowedTitle: 'Request not supported',
  methodNotAllowedText: 'Open the link from the e-mail again and use the button on that page.',
  redirectTitle: 'Your download is starting',
  redirectLink: 'Start the download',
  parts: 'Parts',
  volumesHeading: 'Download the parts',
  volumesIntro:
    'The archive comes in {count} parts, each a ZIP file of its own. Download every part, then unpack them all into one folder: together they hold your whole archive.',
  volumeHeading: 'Part {volume} of {count}',
  volumeButton: 'Download part {volume} of {count} ({size})',
  checksum: 'SHA-256 checksum',
  volumesNote:
    'Each part you download counts as one download. Once every part is unpacked into the same folder, open index.html in it to read your data in a browser. To check that a file arrived complete, compare its SHA-256 checksum with the one shown here.',
  badRequestTitle: 'Request not understood',
  badRequestText:
    'This request could not be understood. Open the link from the e-mail again and use a button on that page.',
};

export type GatewayMessages = { readonly [K in keyof typeof en]: string };

const de: GatewayMessages = {
  landingTitle: 'Deine Daten sind bereit',
  landingIntro:
    'Dies ist die von dir angeforderte Kopie der personenbezogenen Daten, die wir zu deinem Konto speichern. Prüfe den Inhalt und lade sie dann herunter.',
  archive: 'Archiv',
  fileName: 'Datei',
  size: 'Größe',
  contents: 'Inhalt',
  category: 'Kategorie',
  records: 'Einträge',
  noCategories: 'Das Archiv enthält keine Einträge: Wir speichern keine Daten zu deinem Konto.',
  expires: 'Link gültig bis',
  timeLeft: 'Verbleibende Zeit',
  downloadsLeft: 'Verbleibende Downloads',
  downloadsLeftValue: '{left} von {max}',
  downloadButton: 'Herunterladen ({size})',
  downloadNote:
    'Jeder Klick auf die Schaltfläche zählt als ein Download. Das Archiv ist eine ZIP-Datei: Öffne darin index.html, um deine Daten im Browser zu lesen.',
  notFoundTitle: 'Link nicht gefunden',
  notFoundText:
    'Diesen Download-Link gibt es nicht. Prüfe, ob du den ganzen Link aus der E-Mail kopiert hast, oder fordere eine neue Kopie deiner Daten an.',
  expiredTitle: 'Dieser Link ist abgelaufen',
  expiredText: 'Der Download-Link war bis {date} gültig. Das Archiv wurde gelöscht.',
  usedUpTitle: 'Dieser Link ist aufgebraucht',
  usedUpText: 'Das Archiv wurde bereits {max}-mal heruntergeladen, so oft wie dieser Link erlaubt.',
  revokedTitle: 'Dieser Link wurde zurückgezogen',
  revokedText:
    'Der Download-Link wurde zurückgezogen, zum Beispiel weil du gemeldet hast, dass du ihn nicht angefordert hast.',
  askAgain:
    'Du kannst jederzeit im Kontoportal des Spiels unter „Datenschutz“ eine neue Kopie deiner Daten anfordern. Du erhältst dann eine neue E-Mail mit einem neuen Link.',
  askAgainLink: 'Kontoportal öffnen',
  tooManyTitle: 'Zu viele Versuche',
  tooManyText:
    'Aus deinem Netzwerk wurden zu viele unbekannte Links geöffnet. Bitte versuche es in {duration} erneut.',
  errorTitle: 'Etwas ist schiefgelaufen',
  errorText:
    'Wir konnten diese Anfrage nicht beantworten. Bitte versuche es in einigen Minuten erneut; dein Link funktioniert weiterhin.',
  methodNotAllowedTitle: 'Anfrage nicht möglich',
  methodNotAllowedText: 'Öffne den Link aus der E-Mail erneut und nutze die Schaltfläche auf dieser Seite.',
  redirectTitle: 'Dein Download beginnt',
  redirectLink: 'Download starten',
  parts: 'Teile',
  volumesHeading: 'Teile herunterladen',
  volumesIntro:
    'Das Archiv besteht aus {count} Teilen, jeder eine eigene ZIP-Datei. Lade alle Teile herunter und entpacke sie dann alle in denselben Ordner: Zusammen ergeben sie dein vollständiges Archiv.',
  volumeHeading: 'Teil {volume} von {count}',
  volumeButton: 'Teil {volume} von {count} herunterladen ({size})',
  checksum: 'SHA-256-Prüfsumme',
  volumesNote:
    'Jeder heruntergeladene Teil zählt als ein Download. Wenn alle Teile im selben Ordner entpackt sind, öffne darin index.html, um deine Daten im Browser zu lesen. Um zu prüfen, ob eine Datei vollständig angekommen ist, vergleiche ihre SHA-256-Prüfsumme mit der hier angezeigten.',
  badRequestTitle: 'Anfrage nicht verstanden',
  badRequestText:
    'Diese Anfrage konnte nicht verarbeitet werden. Öffne den Link aus der E-Mail erneut und nutze eine Schaltfläche auf dieser Seite.',
};

const fr: GatewayMessages = {
  landingTitle: 'Vos données sont prêtes',
  landingIntro:
    'Voici la copie des données personnelles que nous détenons sur votre compte, que vous avez demandée. Vérifiez son contenu, puis téléchargez-la.',
  archive: 'Archive',
  fileName: 'Fichier',
  size: 'Taille',
  contents: 'Contenu',
  category: 'Catégorie',
  records: 'Enregistrements',
  noCategories:
    'L’archive ne contient aucun enregistrement : nous ne conservons aucune donnée sur votre compte.',
  expires: 'Lien valable jusqu’au',
  timeLeft: 'Temps restant',
  downloadsLeft: 'Téléchargements restants',
  downloadsLeftValue: '{left} sur {max}',
  downloadButton: 'Télécharger ({size})',
  downloadNote:
    'Chaque clic sur le bouton compte comme un téléchargement. L’archive est un fichier ZIP : ouvrez index.html qu’elle contient pour lire vos données dans un navigateur.',
  notFoundTitle: 'Lien introuvable',
  notFoundText:
    'Ce lien de téléchargement n’existe pas. Vérifiez que vous avez copié le lien complet depuis l’e-mail, ou demandez une nouvelle copie de vos données.',
  expiredTitle: 'Ce lien a expiré',
  expiredText: 'Le lien de téléchargement était valable jusqu’au {date}. L’archive a été supprimée.',
  usedUpTitle: 'Ce lien a été épuisé',
  usedUpText: 'L’archive a déjà été téléchargée {max} fois, le maximum autorisé par ce lien.',
  revokedTitle: 'Ce lien a été retiré',
  revokedText:
    'Le lien de téléchargement a été retiré, par exemple parce que vous avez signalé ne pas l’avoir demandé.',
  askAgain:
    'Vous pouvez demander à tout moment une nouvelle copie de vos données dans le portail de compte du jeu, rubrique Confidentialité. Vous recevrez un nouvel e-mail avec un nouveau lien.',
  askAgainLink: 'Ouvrir le portail de compte',
  tooManyTitle: 'Trop de tentatives',
  tooManyText: 'Trop de liens inconnus ont été ouverts depuis votre réseau. Réessayez dans {duration}.',
  errorTitle: 'Une erreur s’est produite',
  errorText:
    'Nous n’avons pas pu répondre à cette demande. Réessayez dans quelques minutes ; votre lien fonctionne toujours.',
  methodNotAllowedTitle: 'Requête non prise en charge',
  methodNotAllowedText: 'Ouvrez de nouveau le lien de l’e-mail et utilisez le bouton de cette page.',
  redirectTitle: 'Votre téléchargement commence',
  redirectLink: 'Lancer le téléchargement',
  parts: 'Parties',
  volumesHeading: 'Télécharger les parties',
  volumesIntro:
    'L’archive se compose de {count} parties, chacune étant un fichier ZIP distinct. Téléchargez toutes les parties, puis décompressez-les toutes dans un même dossier : ensemble, elles forment votre archive complète.',
  volumeHeading: 'Partie {volume} sur {count}',
  volumeButton: 'Télécharger la partie {volume} sur {count} ({size})',
  checksum: 'Somme de contrôle SHA-256',
  volumesNote:
    'Chaque partie téléchargée compte comme un téléchargement. Une fois toutes les parties décompressées dans le même dossier, ouvrez le fichier index.html qu’il contient pour lire vos données dans un navigateur. Pour vérifier qu’un fichier est arrivé complet, comparez sa somme de contrôle SHA-256 avec celle affichée ici.',
  badRequestTitle: 'Requête non comprise',
  badRequestText:
    'Cette requête n’a pas pu être comprise. Ouvrez de nouveau le lien de l’e-mail et utilisez un bouton de cette page.',
};

const nb: GatewayMessages = {
  landingTitle: 'Dataene dine er klare',
  landingIntro:
    'Dette er kopien du ba om av personopplysningene vi har om kontoen din. Se hva den inneholder, og last den deretter ned.',
  archive: 'Arkiv',
  fileName: 'Fil',
  size: 'Størrelse',
  contents: 'Innhold',
  category: 'Kategori',
  records: 'Oppføringer',
  noCategories: 'Arkivet inneholder ingen oppføringer: vi lagrer ingen data om kontoen din.',
  expires: 'Lenken gjelder til',
  timeLeft: 'Tid igjen',
  downloadsLeft: 'Nedlastinger igjen',
  downloadsLeftValue: '{left} av {max}',
  downloadButton: 'Last ned ({size})',
  downloadNote:
    'Hvert trykk på knappen teller som én nedlasting. Arkivet er en ZIP-fil: åpne index.html i den for å lese dataene dine i en nettleser.',
  notFoundTitle: 'Fant ikke lenken',
  notFoundText:
    'Denne nedlastingslenken finnes ikke. Sjekk at du kopierte hele lenken fra e-posten, eller be om en ny kopi av dataene dine.',
  expiredTitle: 'Denne lenken er utløpt',
  expiredText: 'Nedlastingslenken gjaldt til {date}. Arkivet er slettet.',
  usedUpTitle: 'Denne lenken er brukt opp',
  usedUpText: 'Arkivet er allerede lastet ned {max} ganger, så mange som denne lenken tillater.',
  revokedTitle: 'Denne lenken er trukket tilbake',
  revokedText: 'Nedlastingslenken ble trukket tilbake, for eksempel fordi du meldte at du ikke ba om den.',
  askAgain:
    'Du kan når som helst be om en ny kopi av dataene dine i spillets kontoportal, under Personvern. Du får en ny e-post med en ny lenke.',
  askAgainLink: 'Åpne kontoportalen',
  tooManyTitle: 'For mange forsøk',
  tooManyText: 'For mange ukjente lenker ble åpnet fra nettverket ditt. Prøv igjen om {duration}.',
  errorTitle: 'Noe gikk galt',
  errorText:
    'Vi kunne ikke svare på denne forespørselen. Prøv igjen om noen minutter; lenken din virker fortsatt.',
  methodNotAllowedTitle: 'Forespørselen støttes ikke',
  methodNotAllowedText: 'Åpne lenken fra e-posten på nytt, og bruk knappen på den siden.',
  redirectTitle: 'Nedlastingen starter',
  redirectLink: 'Start nedlastingen',
  parts: 'Deler',
  volumesHeading: 'Last ned delene',
  volumesIntro:
    'Arkivet består av {count} deler, hver en egen ZIP-fil. Last ned alle delene, og pakk dem deretter ut i samme mappe: til sammen utgjør de hele arkivet ditt.',
  volumeHeading: 'Del {volume} av {count}',
  volumeButton: 'Last ned del {volume} av {count} ({size})',
  checksum: 'SHA-256-sjekksum',
  volumesNote:
    'Hver del du laster ned, teller som én nedlasting. Når alle delene er pakket ut i samme mappe, åpner du index.html der for å lese dataene dine i en nettleser. For å sjekke at en fil kom frem hel, sammenligner du SHA-256-sjekksummen med den som vises her.',
  badRequestTitle: 'Forespørselen ble ikke forstått',
  badRequestText:
    'Denne forespørselen kunne ikke behandles. Åpne lenken fra e-posten på nytt, og bruk en knapp på den siden.',
};

const da: GatewayMessages = {
  landingTitle: 'Dine data er klar',
  landingIntro:
    'Dette er den kopi, du bad om, af de personoplysninger, vi har om din konto. Se, hvad den indeholder, og download den derefter.',
  archive: 'Arkiv',
  fileName: 'Fil',
  size: 'Størrelse',
  contents: 'Indhold',
  category: 'Kategori',
  records: 'Poster',
  noCategories: 'Arkivet indeholder ingen poster: vi gemmer ingen data om din konto.',
  expires: 'Linket gælder til',
  timeLeft: 'Tid tilbage',
  downloadsLeft: 'Downloads tilbage',
  downloadsLeftValue: '{left} af {max}',
  downloadButton: 'Download ({size})',
  downloadNote:
    'Hvert tryk på knappen tæller som én download. Arkivet er en ZIP-fil: åbn index.html i den for at læse dine data i en browser.',
  notFoundTitle: 'Linket blev ikke fundet',
  notFoundText:
    'Dette downloadlink findes ikke. Kontrollér, at du har kopieret hele linket fra e-mailen, eller bed om en ny kopi af dine data.',
  expiredTitle: 'Dette link er udløbet',
  expiredText: 'Downloadlinket gjaldt til {date}. Arkivet er slettet.',
  usedUpTitle: 'Dette link er brugt op',
  usedUpText: 'Arkivet er allerede downloadet {max} gange, så mange som dette link tillader.',
  revokedTitle: 'Dette link er trukket tilbage',
  revokedText:
    'Downloadlinket er trukket tilbage, for eksempel fordi du meldte, at du ikke havde bedt om det.',
  askAgain:
    'Du kan til enhver tid bede om en ny kopi af dine data i spillets kontoportal under Privatliv. Du får en ny e-mail med et nyt link.',
  askAgainLink: 'Åbn kontoportalen',
  tooManyTitle: 'For mange forsøg',
  tooManyText: 'For mange ukendte links blev åbnet fra dit netværk. Prøv igen om {duration}.',
  errorTitle: 'Noget gik galt',
  errorText:
    'Vi kunne ikke besvare denne forespørgsel. Prøv igen om et par minutter; dit link virker stadig.',
  methodNotAllowedTitle: 'Forespørgslen understøttes ikke',
  methodNotAllowedText: 'Åbn linket fra e-mailen igen, og brug knappen på den side.',
  redirectTitle: 'Din download starter',
  redirectLink: 'Start downloaden',
  parts: 'Dele',
  volumesHeading: 'Download delene',
  volumesIntro:
    'Arkivet består af {count} dele, som hver er en selvstændig ZIP-fil. Download alle delene, og pak dem derefter alle ud i den samme mappe: tilsammen udgør de hele dit arkiv.',
  volumeHeading: 'Del {volume} af {count}',
  volumeButton: 'Download del {volume} af {count} ({size})',
  checksum: 'SHA-256-kontrolsum',
  volumesNote:
    'Hver del, du downloader, tæller som én download. Når alle dele er pakket ud i samme mappe, skal du åbne index.html i den for at læse dine data i en browser. Du kan kontrollere, at en fil er kommet helt frem, ved at sammenligne dens SHA-256-kontrolsum med den, der vises her.',
  badRequestTitle: 'Forespørgslen blev ikke forstået',
  badRequestText:
    'Denne forespørgsel kunne ikke behandles. Åbn linket fra e-mailen igen, og brug en knap på den side.',
};

const th: GatewayMessages = {
  landingTitle: 'ข้อมูลของคุณพร้อมแล้ว',
  landingIntro: 'นี่คือสำเนาข้อมูลส่วนบุคคลที่เราเก็บไว้เกี่ยวกับบัญชีของคุณตามที่คุณร้องขอ ตรวจสอบสิ่งที่อยู่ภายใน แล้วดาวน์โหลด',
  archive: 'ไฟล์เก็บถาวร',
  fileName: 'ไฟล์',
  size: 'ขนาด',
  contents: 'สิ่งที่อยู่ภายใน',
  category: 'หมวดหมู่',
  records: 'รายการ',
  noCategories: 'ไฟล์เก็บถาวรไม่มีรายการใด ๆ เราไม่ได้เก็บข้อมูลเกี่ยวกับบัญชีของคุณ',
  expires: 'ลิงก์ใช้ได้จนถึง',
  timeLeft: 'เวลาที่เหลือ',
  downloadsLeft: 'จำนวนดาวน์โหลดที่เหลือ',
  downloadsLeftValue: '{left} จาก {max}',
  downloadButton: 'ดาวน์โหลด ({size})',
  downloadNote:
    'การกดปุ่มแต่ละครั้งนับเป็นการดาวน์โหลดหนึ่งครั้ง ไฟล์เก็บถาวรเป็นไฟล์ ZIP: เปิด index.html ที่อยู่ภายในเพื่ออ่านข้อมูลของคุณในเบราว์เซอร์',
  notFoundTitle: 'ไม่พบลิงก์',
  notFoundText: 'ไม่มีลิงก์ดาวน์โหลดนี้ ตรวจสอบว่าคุณคัดลอกลิงก์ทั้งหมดจากอีเมลแล้ว หรือขอสำเนาข้อมูลของคุณใหม่',
  expiredTitle: 'ลิงก์นี้หมดอายุแล้ว',
  expiredText: 'ลิงก์ดาวน์โหลดใช้ได้จนถึง {date} ไฟล์เก็บถาวรถูกลบแล้ว',
  usedUpTitle: 'ลิงก์นี้ถูกใช้ครบแล้ว',
  usedUpText: 'ไฟล์เก็บถาวรถูกดาวน์โหลดไปแล้ว {max} ครั้ง ซึ่งเป็นจำนวนสูงสุดที่ลิงก์นี้อนุญาต',
  revokedTitle: 'ลิงก์นี้ถูกเพิกถอนแล้ว',
  revokedText: 'ลิงก์ดาวน์โหลดถูกเพิกถอน เช่น เพราะคุณแจ้งว่าคุณไม่ได้ร้องขอ',
  askAgain:
    'คุณสามารถขอสำเนาข้อมูลของคุณใหม่ได้ทุกเมื่อในพอร์ทัลบัญชีของเกม ในส่วนความเป็นส่วนตัว คุณจะได้รับอีเมลฉบับใหม่พร้อมลิงก์ใหม่',
  askAgainLink: 'เปิดพอร์ทัลบัญชี',
  tooManyTitle: 'พยายามหลายครั้งเกินไป',
  tooManyText: 'มีการเปิดลิงก์ที่ไม่รู้จักจากเครือข่ายของคุณมากเกินไป โปรดลองอีกครั้งใน {duration}',
  errorTitle: 'เกิดข้อผิดพลาด',
  errorText: 'เราไม่สามารถตอบคำขอนี้ได้ โปรดลองอีกครั้งในอีกสักครู่ ลิงก์ของคุณยังใช้ได้',
  methodNotAllowedTitle: 'ไม่รองรับคำขอนี้',
  methodNotAllowedText: 'เปิดลิงก์จากอีเมลอีกครั้ง แล้วใช้ปุ่มบนหน้านั้น',
  redirectTitle: 'กำลังเริ่มดาวน์โหลด',
  redirectLink: 'เริ่มดาวน์โหลด',
  parts: 'จำนวนส่วน',
  volumesHeading: 'ดาวน์โหลดแต่ละส่วน',
  volumesIntro:
    'ไฟล์เก็บถาวรนี้แบ่งออกเป็น {count} ส่วน แต่ละส่วนเป็นไฟล์ ZIP แยกกัน ดาวน์โหลดให้ครบทุกส่วน แล้วแตกไฟล์ทั้งหมดไว้ในโฟลเดอร์เดียวกัน เมื่อรวมกันจะได้ไฟล์เก็บถาวรฉบับสมบูรณ์ของคุณ',
  volumeHeading: 'ส่วนที่ {volume} จาก {count}',
  volumeButton: 'ดาวน์โหลดส่วนที่ {volume} จาก {count} ({size})',
  checksum: 'ค่าตรวจสอบ SHA-256',
  volumesNote:
    'การดาวน์โหลดแต่ละส่วนนับเป็นการดาวน์โหลดหนึ่งครั้ง เมื่อแตกไฟล์ทุกส่วนไว้ในโฟลเดอร์เดียวกันแล้ว ให้เปิด index.html ในโฟลเดอร์นั้นเพื่ออ่านข้อมูลของคุณในเบราว์เซอร์ หากต้องการตรวจสอบว่าไฟล์มาครบถ้วน ให้เทียบค่าตรวจสอบ SHA-256 ของไฟล์กับค่าที่แสดงไว้ที่นี่',
  badRequestTitle: 'ไม่เข้าใจคำขอนี้',
  badRequestText: 'ไม่สามารถดำเนินการตามคำขอนี้ได้ เปิดลิงก์จากอีเมลอีกครั้ง แล้วใช้ปุ่มบนหน้านั้น',
};

export const gatewayMessages: Readonly<Record<GatewayLocale, GatewayMessages>> = { en, de, fr, nb, da, th };
