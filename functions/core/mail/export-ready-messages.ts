/**
 * Text of the "your export is ready" e-mail in every language the game supports; every locale is a
 * full record of the English keys (a missing translation fails the type check). `{name}` marks a
 * value filled in at use. The form of address is the gateway pages' and the archive's: German
 * "du", French "vous", Norwegian and Danish "du", Thai the neutral polite คุณ.
 */
import type { ArchiveLocale } from '../i18n/archive-messages';

const en = {
  subject: 'Your data export is ready',
  greeting: 'Hello {username},',
  requested:
    'On {requestedAt} you asked for a copy of the personal data we hold about your game account. It is ready to download:',
  button: 'View and download your data',
  validityOne:
    'The link works until {expiresAt} for {maxDownloads} download. The page behind it shows what the archive contains before you download it.',
  validityOther:
    'The link works until {expiresAt} for up to {maxDownloads} downloads. The page behind it shows what the archive contains before you download it.',
  parts:
    'Your archive is large, so it comes in {volumes} parts (zip files). Download each part from the page, each download fetches one part, and unpack them all into one folder.',
  notYouHeading: 'Did you not ask for this?',
  notYou:
    'A data export is a way to take an account’s data. If you did not ask for it, someone else may be able to use your account: do not open or forward the link, change your password now and contact our support, who will withdraw the link.',
  support: 'Support: {supportUrl}',
  footer: 'This e-mail was sent automatically; replies are not read.',
};

export type ExportReadyMessages = { readonly [K in keyof typeof en]: string };

const de: ExportReadyMessages = {
  subject: 'Dein Datenexport ist bereit',
  greeting: 'Hallo {username},',
  requested:
    'Am {requestedAt} hast du eine Kopie der personenbezogenen Daten angefordert, die wir zu deinem Spielkonto speichern. Die Kopie steht zum Herunterladen bereit:',
  button: 'Deine Daten ansehen und herunterladen',
  validityOne:
    'Der Link gilt bis {expiresAt} für {maxDownloads} Download. Die Seite dahinter zeigt vor dem Herunterladen, was das Archiv enthält.',
  validityOther:
    'Der Link gilt bis {expiresAt} für bis zu {maxDownloads} Downloads. Die Seite dahinter zeigt vor dem Herunterladen, was das Archiv enthält.',
  parts:
    'Dein Archiv ist groß und besteht deshalb aus {volumes} Teilen (ZIP-Dateien). Lade jeden Teil auf der Seite herunter (jeder Download holt einen Teil) und entpacke alle in denselben Ordner.',
  notYouHeading: 'Du hast das nicht angefordert?',
  notYou:
    'Mit einem Datenexport lassen sich die Daten eines Kontos abgreifen. Wenn du ihn nicht angefordert hast, kann jemand anderes dein Konto nutzen: Öffne den Link nicht und leite ihn nicht weiter, ändere sofort dein Passwort und wende dich an unseren Support, der den Link zurückzieht.',
  support: 'Support: {supportUrl}',
  footer: 'Diese E-Mail wurde automatisch versandt; Antworten werden nicht gelesen.',
};

const fr: ExportReadyMessages = {
  subject: 'Votre export de données est prêt',
  greeting: 'Bonjour {username},',
  requested:
    'Le {requestedAt}, vous avez demandé une copie des données personnelles que nous détenons sur votre compte de jeu. Elle est prête à être téléchargée :',
  button: 'Voir et télécharger vos données',
  validityOne:
    'Le lien est valable jusqu’au {expiresAt} pour {maxDownloads} téléchargement. La page vers laquelle il mène montre le contenu de l’archive avant le téléchargement.',
  validityOther:
    'Le lien est valable jusqu’au {expiresAt} pour {maxDownloads} téléchargements au plus. La page vers laquelle il mène montre le contenu de l’archive avant le téléchargement.',
  parts:
    'Votre archive est volumineuse : elle est en {volumes} parties (fichiers zip). Téléchargez chaque partie depuis la page (chaque téléchargement en récupère une) et décompressez-les toutes dans un même dossier.',
  notYouHeading: 'Vous n’avez rien demandé ?',
  notYou:
    'Un export de données permet de récupérer les données d’un compte. Si vous ne l’avez pas demandé, quelqu’un d’autre peut utiliser votre compte : n’ouvrez pas et ne transférez pas le lien, changez votre mot de passe immédiatement et contactez notre support, qui retirera le lien.',
  support: 'Support : {supportUrl}',
  footer: 'Cet e-mail a été envoyé automatiquement ; les réponses ne sont pas lues.',
};

const nb: ExportReadyMessages = {
  subject: 'Dataeksporten din er klar',
  greeting: 'Hei {username},',
  requested:
    'Den {requestedAt} ba du om en kopi av personopplysningene vi har om spillkontoen din. Den er klar til nedlasting:',
  button: 'Se og last ned dataene dine',
  validityOne:
    'Lenken gjelder til {expiresAt} for {maxDownloads} nedlasting. Siden bak den viser hva arkivet inneholder før du laster det ned.',
  validityOther:
    'Lenken gjelder til {expiresAt} for opptil {maxDownloads} nedlastinger. Siden bak den viser hva arkivet inneholder før du laster det ned.',
  parts:
    'Arkivet ditt er stort og består derfor av {volumes} deler (zip-filer). Last ned hver del fra siden (hver nedlasting henter én del), og pakk dem alle ut i samme mappe.',
  notYouHeading: 'Ba du ikke om dette?',
  notYou:
    'En dataeksport er en måte å hente ut dataene til en konto på. Hvis du ikke ba om den, kan noen andre ha tilgang til kontoen din: ikke åpne eller videresend lenken, bytt passord nå og kontakt kundestøtten vår, som trekker lenken tilbake.',
  support: 'Kundestøtte: {supportUrl}',
  footer: 'Denne e-posten ble sendt automatisk; svar blir ikke lest.',
};

const da: ExportReadyMessages = {
  subject: 'Din dataeksport er klar',
  greeting: 'Hej {username},',
  requested:
    'Den {requestedAt} bad du om en kopi af de personoplysninger, vi har om din spilkonto. Den er klar til download:',
  button: 'Se og download dine data',
  validityOne:
    'Linket gælder til {expiresAt} for {maxDownloads} download. Siden bag det viser, hvad arkivet indeholder, før du downloader det.',
  validityOther:
    'Linket gælder til {expiresAt} for op til {maxDownloads} downloads. Siden bag det viser, hvad arkivet indeholder, før du downloader det.',
  parts:
    'Dit arkiv er stort og består derfor af {volumes} dele (zip-filer). Download hver del fra siden (hver download henter én del), og pak dem alle ud i den samme mappe.',
  notYouHeading: 'Har du ikke bedt om dette?',
  notYou:
    'En dataeksport er en måde at hente en kontos data på. Hvis du ikke har bedt om den, kan en anden have adgang til din konto: åbn eller videresend ikke linket, skift din adgangskode nu, og kontakt vores support, som trækker linket tilbage.',
  support: 'Support: {supportUrl}',
  footer: 'Denne e-mail blev sendt automatisk; svar bliver ikke læst.',
};

const th: ExportReadyMessages = {
  subject: 'ข้อมูลที่คุณขอส่งออกพร้อมแล้ว',
  greeting: 'สวัสดี {username}',
  requested: 'เมื่อ {requestedAt} คุณได้ขอสำเนาข้อมูลส่วนบุคคลที่เราเก็บไว้เกี่ยวกับบัญชีเกมของคุณ ขณะนี้พร้อมให้ดาวน์โหลดแล้ว:',
  button: 'ดูและดาวน์โหลดข้อมูลของคุณ',
  validityOne:
    'ลิงก์ใช้ได้จนถึง {expiresAt} สำหรับการดาวน์โหลด {maxDownloads} ครั้ง หน้าเว็บของลิงก์จะแสดงสิ่งที่อยู่ในไฟล์ก่อนที่คุณจะดาวน์โหลด',
  validityOther:
    'ลิงก์ใช้ได้จนถึง {expiresAt} สำหรับการดาวน์โหลดสูงสุด {maxDownloads} ครั้ง หน้าเว็บของลิงก์จะแสดงสิ่งที่อยู่ในไฟล์ก่อนที่คุณจะดาวน์โหลด',
  parts:
    'ไฟล์ข้อมูลของคุณมีขนาดใหญ่ จึงแบ่งเป็น {volumes} ส่วน (ไฟล์ zip) ดาวน์โหลดแต่ละส่วนจากหน้าเว็บ (การดาวน์โหลดแต่ละครั้งได้หนึ่งส่วน) แล้วแตกไฟล์ทั้งหมดไว้ในโฟลเดอร์เดียวกัน',
  notYouHeading: 'คุณไม่ได้ขอใช่ไหม',
  notYou:
    'การส่งออกข้อมูลเป็นช่องทางหนึ่งในการนำข้อมูลของบัญชีออกไป หากคุณไม่ได้ขอ อาจมีผู้อื่นเข้าใช้บัญชีของคุณได้ อย่าเปิดหรือส่งต่อลิงก์ เปลี่ยนรหัสผ่านทันที และติดต่อฝ่ายสนับสนุนของเราเพื่อเพิกถอนลิงก์',
  support: 'ฝ่ายสนับสนุน: {supportUrl}',
  footer: 'อีเมลนี้ส่งโดยอัตโนมัติ เราจะไม่อ่านอีเมลตอบกลับ',
};

export const exportReadyMessages: Readonly<Record<ArchiveLocale, ExportReadyMessages>> = {
  en,
  de,
  fr,
  nb,
  da,
  th,
};
