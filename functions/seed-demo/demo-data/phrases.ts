import type { DemoLang } from './context';

/**
 * Text for the newer demo tables, in each player's language. None of it names another player:
 * other players appear only through ids the export pseudonymises, and free text would leak them.
 */

export const CONSENT_WORDING: Record<DemoLang, Record<string, string>> = {
  nb: {
    'newsletter-email': 'Ja, send meg nyhetsbrev om spillet på e-post.',
    'offers-sms': 'Ja, send meg tilbud på SMS.',
    push: 'Tillat varsler om hendelser i spillet.',
    'third-party-tracking': 'Tillat sporing fra tredjeparter for å måle kampanjer.',
    'privacy-policy': 'Jeg har lest og godtar personvernerklæringen.',
  },
  de: {
    'newsletter-email': 'Ja, schickt mir den Newsletter per E-Mail.',
    'offers-sms': 'Ja, ich möchte Angebote per SMS erhalten.',
    push: 'Benachrichtigungen über Ereignisse im Spiel erlauben.',
    'third-party-tracking': 'Tracking durch Dritte zur Messung von Kampagnen erlauben.',
    'privacy-policy': 'Ich habe die Datenschutzerklärung gelesen und akzeptiere sie.',
  },
  fr: {
    'newsletter-email': 'Oui, envoyez-moi la lettre d’information par e-mail.',
    'offers-sms': 'Oui, je souhaite recevoir des offres par SMS.',
    push: 'Autoriser les notifications sur les événements du jeu.',
    'third-party-tracking': 'Autoriser le suivi par des tiers pour mesurer les campagnes.',
    'privacy-policy': 'J’ai lu et j’accepte la politique de confidentialité.',
  },
  da: {
    'newsletter-email': 'Ja tak, send mig nyhedsbrevet på e-mail.',
    'offers-sms': 'Ja tak, send mig tilbud på sms.',
    push: 'Tillad notifikationer om begivenheder i spillet.',
    'third-party-tracking': 'Tillad sporing fra tredjeparter til måling af kampagner.',
    'privacy-policy': 'Jeg har læst og accepterer privatlivspolitikken.',
  },
  th: {
    'newsletter-email': 'ใช่ ส่งจดหมายข่าวทางอีเมลให้ฉัน',
    'offers-sms': 'ใช่ ส่งข้อเสนอพิเศษทาง SMS ให้ฉัน',
    push: 'อนุญาตการแจ้งเตือนเกี่ยวกับเหตุการณ์ในเกม',
    'third-party-tracking': 'อนุญาตการติดตามโดยบุคคลที่สามเพื่อวัดผลแคมเปญ',
    'privacy-policy': 'ฉันได้อ่านและยอมรับนโยบายความเป็นส่วนตัวแล้ว',
  },
  en: {
    'newsletter-email': 'Yes, send me the newsletter by e-mail.',
    'offers-sms': 'Yes, send me offers by SMS.',
    push: 'Allow notifications about events in the game.',
    'third-party-tracking': 'Allow third-party tracking to measure campaigns.',
    'privacy-policy': 'I have read and accept the privacy policy.',
  },
};

export type TicketTopic = 'payment' | 'bug' | 'report';

/** Per topic: subject, the player's first message, the agent's answer, the player's thanks. */
export const TICKETS: Record<DemoLang, Record<TicketTopic, readonly [string, string, string, string]>> = {
  nb: {
    payment: [
      'Betalt, men fikk ikke gullmyntene',
      'Hei! Jeg betalte 49 kr med Vipps i går, men gullmyntene har ikke kommet. Kvittering er vedlagt.',
      'Takk for at du ventet! Betalingen var registrert, men leveransen feilet. Myntene er nå lagt til kontoen din.',
      'Nå er de der. Tusen takk for rask hjelp! 🙏',
    ],
    bug: [
      'Spillet krasjer på Nordlys Bay',
      'Spillet krasjer hver gang nordlyset starter på kartet Nordlys Bay. Windows 11, nyeste driver.',
      'Takk for rapporten! Feilen er kjent og rettes i neste oppdatering. Inntil da hjelper det å slå av «Aurora-effekter».',
      'Det fungerte, takk!',
    ],
    report: [
      'Rapport: trakassering i kamp',
      'En spiller i kampen min skrev stygge ting i chatten hele kampen. Kan dere se på det?',
      'Takk for at du sa fra. Vi har gått gjennom chatloggen og iverksatt tiltak mot kontoen.',
      'Fint, takk.',
    ],
  },
  de: {
    payment: [
      'Zahlung abgebucht, aber keine Goldmünzen',
      'Hallo, mir wurden 4,99 € abgebucht, die Goldmünzen sind aber nicht angekommen.',
      'Danke für Ihre Geduld! Die Zahlung ist eingegangen; die Münzen wurden Ihrem Konto gutgeschrieben.',
      'Jetzt sind sie da – vielen Dank!',
    ],
    bug: [
      'Absturz nach dem Update',
      'Seit dem letzten Update stürzt das Spiel beim Laden der Karte Jøtunheim ab.',
      'Danke für den Bericht! Bitte überprüfen Sie die Spieldateien in Steam; das behebt den Fehler in den meisten Fällen.',
      'Hat funktioniert, danke schön!',
    ],
    report: [
      'Meldung: Beleidigungen im Spiel',
      'Ein Mitspieler hat mich die ganze Runde beleidigt. Bitte prüft das.',
      'Danke für Ihre Meldung. Wir haben den Chatverlauf geprüft und Maßnahmen ergriffen.',
      'Danke für die schnelle Reaktion.',
    ],
  },
  fr: {
    payment: [
      'Paiement débité mais pièces non reçues',
      'Bonjour, j’ai payé 4,99 € hier mais je n’ai pas reçu mes pièces d’or.',
      'Merci de votre patience ! Le paiement est bien arrivé ; les pièces ont été ajoutées à votre compte.',
      'C’est bon, merci beaucoup !',
    ],
    bug: [
      'Le jeu plante sur « Nordlys Bay »',
      'Depuis la mise à jour, le jeu plante au chargement de la carte « Nordlys Bay ». Ça arrive à chaque fois.',
      'Merci pour le signalement ! Le correctif arrive avec la prochaine mise à jour.',
      'Parfait, merci !',
    ],
    report: [
      'Signalement : insultes en partie',
      'Un joueur m’a insultée pendant toute la partie. Pouvez-vous vérifier ?',
      'Merci pour votre signalement. Nous avons vérifié le chat et pris des mesures.',
      'Merci à vous.',
    ],
  },
  da: {
    payment: [
      'Betalt, men ingen guldmønter',
      'Hej! Jeg betalte 37 kr. med MobilePay, men guldmønterne er ikke kommet.',
      'Tak for din tålmodighed! Betalingen er modtaget, og mønterne er nu sat ind på din konto.',
      'De er kommet. Tusind tak!',
    ],
    bug: [
      'Spillet hakker efter opdateringen',
      'Spillet hakker på min bærbare efter opdateringen, især på Ærø Crossing.',
      'Tak for rapporten! Prøv at slå "skygger i høj kvalitet" fra; en rettelse er på vej.',
      'Det hjalp, tak!',
    ],
    report: [
      'Anmeldelse: chikane i kamp',
      'En spiller skrev grimme ting til mig i chatten under hele kampen.',
      'Tak fordi du sagde til. Vi har gennemgået chatten og grebet ind over for kontoen.',
      'Godt, tak.',
    ],
  },
  th: {
    payment: [
      'ชำระเงินแล้วแต่ไม่ได้รับเหรียญทอง',
      'สวัสดีครับ ผมจ่ายเงินผ่านพร้อมเพย์แล้ว แต่ยังไม่ได้รับเหรียญทองครับ',
      'ขอบคุณที่รอครับ เราได้รับการชำระเงินแล้ว และเพิ่มเหรียญเข้าบัญชีของคุณเรียบร้อยแล้ว',
      'ได้รับแล้วครับ ขอบคุณมากครับ 🙏',
    ],
    bug: [
      'เกมค้างหลังอัปเดต',
      'หลังอัปเดตล่าสุด เกมค้างบ่อยมากตอนเริ่มแมตช์ครับ',
      'ขอบคุณสำหรับรายงานครับ กรุณาอัปเดตไดรเวอร์การ์ดจอ และเราจะแก้ไขในแพตช์ถัดไป',
      'ดีขึ้นแล้วครับ ขอบคุณครับ',
    ],
    report: [
      'รายงานผู้เล่นพูดจาไม่สุภาพ',
      'มีผู้เล่นคนหนึ่งพูดจาไม่สุภาพในแชตตลอดทั้งแมตช์ครับ',
      'ขอบคุณที่แจ้งครับ เราตรวจสอบแชตแล้วและดำเนินการกับบัญชีนั้นแล้ว',
      'ขอบคุณครับ',
    ],
  },
  en: {
    payment: [
      'Charged but no gold coins',
      'Hi, I was charged £4.49 yesterday but the gold coins never arrived.',
      'Thanks for waiting! The payment went through but delivery failed; the coins are now on your account.',
      'Got them, cheers!',
    ],
    bug: [
      'Longship skin flickers',
      'The longship skin flickers on Nordlys Bay every time the aurora kicks in.',
      'Thanks for the report! It is fixed in the next patch; turning off aurora effects helps until then.',
      'That did it, thanks.',
    ],
    report: [
      'Report: abuse in match chat',
      'Someone in my match spent the whole game insulting me in chat.',
      'Thanks for letting us know. We reviewed the chat log and have taken action on that account.',
      'Appreciated, thanks.',
    ],
  },
};

/** Short messages between players; reused for private messages and the in-game chat. */
export const CHAT: Record<DemoLang, readonly string[]> = {
  nb: [
    'gg! revansj i morgen?',
    'Blir du med på raid lørdag kl. 20?',
    'Takk for hjelpen med skjoldveggen 🛡️',
    'Beklager, måtte legge ungene – er tilbake om ti min',
    'Har du prøvd å bygge langskipet først?',
  ],
  de: [
    'gg! Revanche morgen?',
    'Bist du heute Abend beim Turnier dabei?',
    'Danke für die Hilfe an der Südflanke 👍',
    'Sorry, kurz weg – bin gleich zurück',
    'Schmiede zuerst, dann läuft’s besser.',
  ],
  fr: [
    'gg ! Revanche demain ?',
    'Tu viens au tournoi ce week-end ?',
    'Merci pour le coup de main au fjord 🙏',
    'Désolée, je reviens dans dix minutes',
    'Construis le drakkar avant la forge, ça change tout.',
  ],
  da: [
    'gg! Revanche i morgen?',
    'Er du med til ø-turneringen i weekenden? 🏝️',
    'Tak for hjælpen ved broen!',
    'Undskyld, er tilbage om ti minutter',
    'Prøv at bygge langskibet først.',
  ],
  th: [
    'gg ครับ พรุ่งนี้แก้มือไหม',
    'วันเสาร์ทัวร์นาเมนต์ไปด้วยกันไหมครับ',
    'ขอบคุณที่ช่วยป้องกันฟยอร์ดครับ 🙏',
    'ขอโทษครับ เดี๋ยวกลับมาในสิบนาที',
    'ลองสร้างเรือไวกิ้งก่อนดูครับ',
  ],
  en: [
    'gg! rematch tomorrow?',
    'Up for the clan raid on Saturday?',
    'Cheers for holding the bridge 🛡️',
    'Sorry, back in ten',
    'Build the longship first, trust me.',
  ],
};

export const APPEAL_STATEMENT: Record<DemoLang, string> = {
  nb: 'Jeg bruker ingen bot. Jeg spilte med kontroller på Steam Deck, det forklarer kanskje jevn timing.',
  de: 'Ich benutze keinen Bot. Ich habe mit Controller gespielt, daher das gleichmäßige Timing.',
  fr: 'Je n’utilise aucun bot. Je jouais à la manette, ce qui explique peut-être la régularité.',
  da: 'Jeg bruger ingen bot. Jeg spillede med controller, det forklarer måske den jævne timing.',
  th: 'ผมไม่ได้ใช้บอทครับ ผมเล่นด้วยจอยคอนโทรลเลอร์ครับ',
  en: 'I do not use a bot. I was playing with a controller, which may explain the even timing.',
};

/** Two survey questions and a few possible answers to the second. */
export const SURVEY: Record<DemoLang, { satisfaction: string; improve: string; answers: readonly string[] }> =
  {
    nb: {
      satisfaction: 'Hvor fornøyd er du med sesong 3? (1–5)',
      improve: 'Hva bør vi forbedre?',
      answers: ['Flere kart i nord, takk!', 'Balanser bueskytterne.', 'Kortere ventetid i kø.'],
    },
    de: {
      satisfaction: 'Wie zufrieden sind Sie mit Saison 3? (1–5)',
      improve: 'Was sollten wir verbessern?',
      answers: ['Günstigere Preise im Shop.', 'Mehr Ranglisten-Modi.', 'Bessere Server am Abend.'],
    },
    fr: {
      satisfaction: 'Êtes-vous satisfaite de la saison 3 ? (1–5)',
      improve: 'Que devrions-nous améliorer ?',
      answers: ['Plus de tournois francophones.', 'Corriger les plantages.', 'Des apparences moins chères.'],
    },
    da: {
      satisfaction: 'Hvor tilfreds er du med sæson 3? (1–5)',
      improve: 'Hvad skal vi forbedre?',
      answers: ['Flere ø-kort!', 'Bueskytterne er for stærke.', 'Bedre ydelse på bærbare.'],
    },
    th: {
      satisfaction: 'คุณพอใจกับซีซัน 3 แค่ไหน (1–5)',
      improve: 'เราควรปรับปรุงอะไร',
      answers: ['เซิร์ฟเวอร์เอเชียที่เร็วขึ้น', 'ทัวร์นาเมนต์ช่วงเวลาไทย', 'ราคาไอเทมถูกลง'],
    },
    en: {
      satisfaction: 'How satisfied are you with Season 3? (1–5)',
      improve: 'What should we improve?',
      answers: ['Nerf the archers.', 'More EU evening events.', 'Cheaper season pass.'],
    },
  };
