// Prompt-injection phrases, in English and eighteen other languages, over
// folded text (lower case, look-alikes folded: see normalize.ts). Each
// language names its words for the moves injections make:
//
//   override   a verb of setting aside (ignore, forget, disregard) ... the
//              instructions / rules, qualified (previous, all, your, system)
//   reveal     a verb of showing (reveal, print, repeat) ... the system
//              prompt / initial instructions
//   persona    an AI "now" without restrictions, rules or filters
//
// Verb and object are looked for in either order (Japanese, Korean, Turkish
// and Hindi put the verb last). Languages written with spaces need a
// qualifier near them ("vergiss nicht, die Anweisungen mitzubringen" is not an
// attack); Chinese, Japanese and Korean need only verb and object close together.

export interface Language {
  code: string;
  /** Whether words are separated by spaces (the qualifier is then required). */
  spaced: boolean;
  verbs: string[];
  qualifiers: string[];
  objects: string[];
  reveal: string[];
  targets: string[];
  /** "without restrictions", "no rules", "unfiltered" */
  unrestricted: string[];
  /** The words for an AI or a model, or "you are now" */
  persona: string[];
}

export const LANGUAGES: readonly Language[] = [
  {
    code: 'de', spaced: true,
    verbs: ['ignorier', 'vergiss', 'vergessen sie', 'missacht', 'übergeh', 'überspring', 'setze? .{0,20}außer kraft', 'hör auf,? .{0,20}zu befolgen', 'befolge .{0,20}nicht mehr', 'nicht mehr an .{0,20}halten', 'ab jetzt ignorierst'],
    qualifiers: ['vorherig', 'bisherig', 'alle', 'dein', 'ihre', 'obig', 'vorangegangen', 'ursprünglich', 'system', 'sicherheit', 'früher', 'oben'],
    objects: ['anweisung', 'instruktion', 'regeln', 'richtlinie', 'vorgaben', 'befehle', 'einschränkung', 'sicherheitsregeln', 'systemprompt', 'prompt', 'beschränkung'],
    reveal: ['zeig', 'gib .{0,20}aus', 'gib mir', 'verrat', 'nenn', 'wiederhol', 'druck', 'offenbar', 'enthüll', 'sag mir', 'liste .{0,10}auf'],
    targets: ['systemprompt', 'system-prompt', 'systemnachricht', 'ursprünglichen anweisungen', 'anfänglichen anweisungen', 'versteckten anweisungen', 'geheimen anweisungen', 'deine anweisungen', 'deine regeln', 'initialen prompt'],
    unrestricted: ['ohne (?:jegliche |alle |irgendwelche )?(?:einschränkungen|regeln|filter|beschränkungen|grenzen|zensur)', 'uneingeschränkt', 'ungefiltert', 'unzensiert'],
    persona: ['du bist (?:jetzt|nun|ab sofort)', 'ab jetzt', 'von nun an', 'ki', 'modell', 'assistent'],
  },
  {
    code: 'fr', spaced: true,
    verbs: ['ignore', 'oublie', 'oubliez', 'ne tiens pas compte', 'ne tenez pas compte', 'fais abstraction', 'faites abstraction', 'néglige', 'passe outre', 'outrepasse', 'contourne', "n'obéis plus", 'ne suis plus', 'ne respecte plus'],
    qualifiers: ['précédent', 'toutes', 'tous', 'tes', 'vos', 'ton', 'votre', 'ci-dessus', 'antérieur', 'initiales', 'système', 'sécurité', 'originales'],
    objects: ['instruction', 'consigne', 'règle', 'directive', 'indication', 'restriction', 'prompt', 'ordres'],
    reveal: ['révèle', 'révélez', 'affiche', 'affichez', 'montre', 'montrez', 'donne-moi', 'dis-moi', 'dites-moi', 'répète', 'répétez', 'imprime', 'divulgue', 'écris'],
    targets: ['prompt système', 'prompt du système', 'message système', 'instructions initiales', 'instructions originales', 'consignes cachées', 'instructions cachées', 'tes instructions', 'vos instructions', 'tes consignes', 'vos consignes', 'tes règles'],
    unrestricted: ['sans (?:aucune |la moindre )?(?:restriction|règle|limite|filtre|censure)s?', 'sans limites', 'non filtrée?', 'non censurée?'],
    persona: ['tu es (?:maintenant|désormais|à présent)', 'vous êtes (?:maintenant|désormais)', 'désormais', 'ia', 'intelligence artificielle', 'modèle'],
  },
  {
    code: 'es', spaced: true,
    verbs: ['ignora', 'ignore', 'olvida', 'olvide', 'haz caso omiso', 'omite', 'descarta', 'pasa por alto', 'desobedece', 'deja de seguir', 'no sigas', 'salta'],
    qualifiers: ['anterior', 'previa', 'previo', 'todas', 'todos', 'tus', 'sus', 'de arriba', 'originales', 'iniciales', 'sistema', 'seguridad'],
    objects: ['instrucci', 'regla', 'indicaci', 'directri', 'norma', 'restricci', 'prompt', 'órdenes', 'pautas'],
    reveal: ['revela', 'muestra', 'muéstrame', 'dime', 'imprime', 'repite', 'escribe', 'enséñame', 'comparte', 'divulga'],
    targets: ['prompt del sistema', 'prompt de sistema', 'mensaje del sistema', 'instrucciones originales', 'instrucciones iniciales', 'instrucciones ocultas', 'tus instrucciones', 'tus reglas', 'tus directrices'],
    unrestricted: ['sin (?:ninguna |ningún |ningun )?(?:restricci[oó]n|restricciones|reglas|límites|limites|filtros?|censura)', 'sin filtros', 'sin censura'],
    persona: ['ahora eres', 'a partir de ahora', 'desde ahora', 'eres una? ', 'ia', 'inteligencia artificial', 'modelo'],
  },
  {
    code: 'pt', spaced: true,
    verbs: ['ignore', 'ignora', 'esqueça', 'esqueca', 'esquece', 'desconsidere', 'desconsidera', 'descarte', 'pare de seguir', 'não siga', 'nao siga', 'desobedeça'],
    qualifiers: ['anterior', 'prévia', 'todas', 'todos', 'suas', 'seus', 'tuas', 'acima', 'originais', 'iniciais', 'sistema', 'segurança'],
    objects: ['instruç', 'instruc', 'regra', 'diretriz', 'diretrizes', 'orientaç', 'restriç', 'prompt', 'ordens'],
    reveal: ['revele', 'revela', 'mostre', 'mostra', 'diga', 'me diga', 'imprima', 'repita', 'escreva', 'exiba', 'divulgue'],
    targets: ['prompt de sistema', 'prompt do sistema', 'mensagem do sistema', 'instruções originais', 'instruções iniciais', 'instruções ocultas', 'regras ocultas', 'suas instruções', 'suas regras'],
    unrestricted: ['sem (?:nenhuma |qualquer )?(?:restriç(?:ão|ões)|regras|limites|filtros?|censura)'],
    persona: ['agora você é', 'agora voce e', 'a partir de agora', 'você é', 'ia', 'inteligência artificial', 'modelo'],
  },
  {
    code: 'it', spaced: true,
    verbs: ['ignora', 'ignori', 'dimentica', 'dimentichi', 'non seguire', 'non tenere conto', 'trascura', 'tralascia', 'disobbedisci', 'smetti di seguire', 'scavalca'],
    qualifiers: ['precedent', 'tutte', 'tutti', 'tue', 'tuoi', 'sue', 'sopra', 'originali', 'iniziali', 'sistema', 'sicurezza', 'più'],
    objects: ['istruzion', 'regol', 'indicazion', 'direttiv', 'restrizion', 'prompt', 'linee guida', 'ordini'],
    reveal: ['rivela', 'mostra', 'mostrami', 'dimmi', 'stampa', 'ripeti', 'scrivi', 'divulga', 'elenca'],
    targets: ['prompt di sistema', 'prompt del sistema', 'messaggio di sistema', 'istruzioni originali', 'istruzioni iniziali', 'istruzioni nascoste', 'prompt nascosto', 'tue istruzioni', 'tue regole'],
    unrestricted: ['senza (?:alcuna |nessuna )?(?:restrizion[ei]|regole|limiti|filtri|censura)'],
    persona: ['ora sei', 'adesso sei', "d'ora in poi", 'da ora in poi', 'ia', 'intelligenza artificiale', 'modello'],
  },
  {
    code: 'nl', spaced: true,
    verbs: ['negeer', 'vergeet', 'veronachtzaam', 'sla .{0,20}over', 'volg .{0,20}niet meer', 'houd je niet meer aan', 'omzeil'],
    qualifiers: ['vorige', 'eerdere', 'alle', 'je ', 'jouw', 'uw', 'bovenstaande', 'oorspronkelijke', 'systeem', 'veiligheid'],
    objects: ['instructie', 'regels', 'richtlijn', 'aanwijzing', 'beperking', 'prompt', 'opdrachten'],
    reveal: ['toon', 'laat .{0,10}zien', 'geef', 'vertel', 'herhaal', 'print', 'onthul', 'schrijf'],
    targets: ['systeemprompt', 'systeem prompt', 'systeembericht', 'oorspronkelijke instructies', 'verborgen instructies', 'je instructies', 'jouw instructies', 'je regels'],
    unrestricted: ['zonder (?:enige |alle )?(?:beperkingen|regels|grenzen|filters?|censuur)', 'ongefilterd', 'ongecensureerd'],
    persona: ['je bent nu', 'vanaf nu', 'ai', 'model'],
  },
  {
    code: 'sv', spaced: true,
    verbs: ['ignorera', 'glöm', 'strunta i', 'bortse från', 'sluta följa', 'följ inte'],
    qualifiers: ['tidigare', 'alla', 'dina', 'ovan', 'ursprungliga', 'system', 'säkerhet'],
    objects: ['instruktion', 'regler', 'riktlinje', 'begränsning', 'prompt', 'direktiv'],
    reveal: ['visa', 'avslöja', 'skriv ut', 'upprepa', 'berätta'],
    targets: ['systemprompt', 'systemmeddelande', 'ursprungliga instruktioner', 'dolda instruktioner', 'dina instruktioner'],
    unrestricted: ['utan (?:några )?(?:begränsningar|regler|filter|gränser|censur)'],
    persona: ['du är nu', 'från och med nu', 'ai', 'modell'],
  },
  {
    code: 'pl', spaced: true,
    verbs: ['zignoruj', 'ignoruj', 'zapomnij', 'pomiń', 'nie stosuj się', 'przestań przestrzegać', 'nie przestrzegaj', 'lekceważ'],
    qualifiers: ['poprzedni', 'wszystkie', 'wszystkich', 'swoje', 'swoich', 'twoje', 'twoich', 'powyższ', 'oryginaln', 'systemow', 'bezpieczeństw'],
    objects: ['instrukcj', 'zasad', 'reguł', 'polece', 'wytyczn', 'ograniczeń', 'ograniczenia', 'prompt'],
    reveal: ['pokaż', 'ujawnij', 'wypisz', 'powtórz', 'podaj', 'wyświetl', 'zdradź'],
    targets: ['prompt systemowy', 'komunikat systemowy', 'oryginalne instrukcje', 'początkowe instrukcje', 'ukryte instrukcje', 'swoje instrukcje', 'twoje instrukcje'],
    unrestricted: ['bez (?:żadnych )?(?:ograniczeń|zasad|reguł|filtrów|cenzury)'],
    persona: ['jesteś teraz', 'od teraz', 'ai', 'sztuczna inteligencja', 'model'],
  },
  {
    code: 'ru', spaced: true,
    verbs: ['игнорируй', 'игнорируйте', 'проигнорируй', 'забудь', 'забудьте', 'не обращай внимания', 'не обращайте внимания', 'пренебреги', 'отбрось', 'не следуй', 'перестань следовать', 'обойди'],
    qualifiers: ['предыдущ', 'все', 'всех', 'свои', 'своих', 'твои', 'ваши', 'выше', 'прежн', 'исходн', 'системн', 'безопасност'],
    objects: ['инструкци', 'правил', 'указани', 'ограничени', 'промпт', 'директив', 'команд', 'установк'],
    reveal: ['покажи', 'покажите', 'раскрой', 'выведи', 'выведите', 'повтори', 'напиши', 'расскажи', 'открой', 'распечатай'],
    targets: ['системный промпт', 'системное сообщение', 'системную подсказку', 'исходные инструкции', 'первоначальные инструкции', 'скрытые инструкции', 'свои инструкции', 'свои правила', 'твои инструкции'],
    unrestricted: ['без (?:каких-либо |всяких |любых )?(?:ограничений|правил|фильтров|цензуры)'],
    persona: ['теперь ты', 'отныне ты', 'с этого момента', 'ты теперь', 'ии', 'искусственный интеллект', 'модель'],
  },
  {
    code: 'uk', spaced: true,
    verbs: ['ігноруй', 'проігноруй', 'забудь', 'не зважай', 'не звертай уваги', 'відкинь', 'не дотримуйся'],
    qualifiers: ['попередн', 'усі', 'всі', 'свої', 'твої', 'вище', 'початков', 'системн'],
    objects: ['інструкці', 'правил', 'вказівк', 'обмежен', 'промпт'],
    reveal: ['покажи', 'розкрий', 'виведи', 'повтори', 'напиши'],
    targets: ['системний промпт', 'системне повідомлення', 'початкові інструкції', 'приховані інструкції', 'свої інструкції'],
    unrestricted: ['без (?:жодних )?(?:обмежень|правил|фільтрів|цензури)'],
    persona: ['тепер ти', 'відтепер', 'ші', 'модель'],
  },
  {
    code: 'tr', spaced: true,
    verbs: ['yok say', 'görmezden gel', 'unut', 'dikkate alma', 'uyma', 'boşver', 'göz ardı et'],
    qualifiers: ['önceki', 'tüm', 'bütün', 'kendi', 'yukarıdaki', 'orijinal', 'sistem', 'güvenlik', 'senin'],
    objects: ['talimat', 'kural', 'yönerge', 'kısıtlama', 'istem', 'prompt', 'komut'],
    reveal: ['göster', 'açıkla', 'yazdır', 'tekrarla', 'söyle', 'ifşa et'],
    targets: ['sistem istemi', 'sistem istemini', 'sistem mesajı', 'orijinal talimat', 'gizli talimat', 'talimatlarını'],
    unrestricted: ['kısıtlaması olmayan', 'kısıtlamasız', 'sınırsız', 'kuralsız', 'filtresiz', 'hiçbir (?:kısıtlama|kural|sınır)'],
    persona: ['artık sen', 'artık', 'bundan sonra', 'yapay zeka', 'model'],
  },
  {
    code: 'id', spaced: true,
    verbs: ['abaikan', 'lupakan', 'jangan ikuti', 'jangan patuhi', 'hiraukan', 'lewati'],
    qualifiers: ['sebelumnya', 'semua', 'mu', 'anda', 'di atas', 'asli', 'awal', 'sistem', 'keamanan', 'kamu'],
    objects: ['instruksi', 'aturan', 'perintah', 'pedoman', 'batasan', 'prompt', 'arahan'],
    reveal: ['tampilkan', 'tunjukkan', 'ungkapkan', 'cetak', 'ulangi', 'beritahu', 'sebutkan'],
    targets: ['prompt sistem', 'pesan sistem', 'instruksi asli', 'instruksi awal', 'instruksi tersembunyi', 'instruksimu', 'aturanmu'],
    unrestricted: ['tanpa (?:ada )?(?:batasan|aturan|filter|sensor|batas)'],
    persona: ['sekarang kamu', 'sekarang anda', 'mulai sekarang', 'ai', 'model'],
  },
  {
    code: 'vi', spaced: true,
    verbs: ['bỏ qua', 'phớt lờ', 'quên', 'lờ đi', 'không tuân theo', 'đừng tuân theo'],
    qualifiers: ['trước', 'tất cả', 'của bạn', 'ở trên', 'ban đầu', 'hệ thống', 'mọi'],
    objects: ['hướng dẫn', 'chỉ dẫn', 'quy tắc', 'chỉ thị', 'lời nhắc', 'giới hạn', 'hạn chế'],
    reveal: ['hiển thị', 'tiết lộ', 'cho tôi xem', 'in ra', 'lặp lại', 'nói cho tôi'],
    targets: ['lời nhắc hệ thống', 'thông điệp hệ thống', 'hướng dẫn ban đầu', 'hướng dẫn gốc', 'hướng dẫn ẩn'],
    unrestricted: ['không (?:có )?(?:bất kỳ )?(?:giới hạn|hạn chế|quy tắc|bộ lọc|kiểm duyệt)'],
    persona: ['bây giờ bạn là', 'từ bây giờ', 'ai', 'mô hình'],
  },
  {
    code: 'hi', spaced: true,
    verbs: ['अनदेखा', 'नज़रअंदाज़', 'नजरअंदाज', 'भूल जाओ', 'भूल जाएं', 'भूल जाइए', 'भूल', 'पालन न करें', 'उपेक्षा'],
    qualifiers: ['पिछले', 'सभी', 'अपने', 'अपना', 'ऊपर', 'मूल', 'सिस्टम', 'तुम्हारे', 'आपके'],
    objects: ['निर्देश', 'नियम', 'दिशानिर्देश', 'प्रतिबंध', 'प्रॉम्प्ट', 'आदेश'],
    reveal: ['दिखाएं', 'दिखाओ', 'बताओ', 'बताएं', 'प्रकट', 'दोहराएं', 'प्रिंट'],
    targets: ['सिस्टम प्रॉम्प्ट', 'सिस्टम संदेश', 'मूल निर्देश', 'प्रारंभिक निर्देश', 'छिपे निर्देश'],
    unrestricted: ['बिना किसी (?:प्रतिबंध|नियम|सीमा|फ़िल्टर)', 'प्रतिबंध के बिना', 'बिना प्रतिबंध'],
    persona: ['अब तुम', 'अब आप', 'एआई', 'मॉडल'],
  },
  {
    code: 'ar', spaced: true,
    verbs: ['تجاهل', 'تجاهلي', 'انس', 'انسَ', 'انسى', 'لا تتبع', 'تخط', 'أهمل', 'اهمل'],
    qualifiers: ['السابقة', 'جميع', 'كل', 'الخاصة بك', 'أعلاه', 'الأصلية', 'النظام', 'ك'],
    objects: ['التعليمات', 'تعليمات', 'القواعد', 'قواعد', 'الإرشادات', 'القيود', 'الأوامر', 'موجه'],
    reveal: ['اكشف', 'أظهر', 'اظهر', 'اعرض', 'أخبرني', 'كرر', 'اطبع'],
    targets: ['موجه النظام', 'رسالة النظام', 'التعليمات الأصلية', 'التعليمات الأولية', 'التعليمات المخفية'],
    unrestricted: ['بلا (?:أي )?(?:قيود|قواعد|حدود|رقابة)', 'بدون (?:أي )?(?:قيود|قواعد|حدود|رقابة)'],
    persona: ['أنت الآن', 'انت الان', 'من الآن', 'ذكاء اصطناعي', 'نموذج'],
  },
  {
    code: 'zh', spaced: false,
    verbs: ['忽略', '忽视', '无视', '無視', '忘记', '忘記', '忘掉', '不要遵守', '不要遵循', '不再遵守', '跳过', '绕过', '繞過', '不要理会', '别管'],
    qualifiers: [],
    objects: ['指令', '指示', '规则', '規則', '说明', '說明', '提示', '限制', '要求', '设定', '設定', '安全策略', '准则', '準則'],
    reveal: ['输出', '輸出', '显示', '顯示', '告诉我', '告訴我', '透露', '泄露', '重复', '重複', '打印', '展示', '给我看', '列出'],
    targets: ['系统提示', '系統提示', '系统消息', '系統訊息', '初始指令', '原始指令', '隐藏指令', '隱藏指令', '你的指令', '你的规则', '提示词'],
    unrestricted: ['没有任何限制', '沒有任何限制', '没有限制', '不受任何(?:规则|限制)', '不受限制', '无限制', '無限制', '没有规则', '不受约束'],
    persona: ['你现在是', '你現在是', '从现在开始', '從現在開始', '人工智能', 'ai'],
  },
  {
    code: 'ja', spaced: false,
    verbs: ['無視', '忘れ', '従わな', '従うな', '破棄', 'スキップ'],
    qualifiers: [],
    objects: ['指示', '命令', 'ルール', '規則', '制約', '制限', 'プロンプト', 'ガイドライン', '設定'],
    reveal: ['表示', '出力', '教えて', '見せて', '明かして', '繰り返', '開示', '書き出'],
    targets: ['システムプロンプト', 'システムメッセージ', '最初の指示', '初期の指示', '元の指示', '隠された指示', '隠し指示', 'あなたの指示'],
    unrestricted: ['制限のない', '制限なし', '制限がない', 'ルールのない', 'ルールなし', '検閲なし', '制約のない'],
    persona: ['あなたは今', '今からあなたは', 'これからあなたは', 'ai', 'モデル'],
  },
  {
    code: 'ko', spaced: false,
    verbs: ['무시', '잊어', '잊으', '따르지 마', '따르지 말', '건너뛰'],
    qualifiers: ['이전', '모든', '너의', '당신의', '위의', '원래', '시스템', '기존'],
    objects: ['지시', '지침', '규칙', '명령', '제한', '프롬프트', '가이드라인'],
    reveal: ['보여', '알려', '출력', '공개', '반복', '말해'],
    targets: ['시스템 프롬프트', '시스템 메시지', '원래 지시', '초기 지시', '숨겨진 지시', '너의 지시'],
    unrestricted: ['제한이 없는', '제한 없는', '제한 없이', '규칙이 없는', '필터 없는', '검열 없는'],
    persona: ['이제 너는', '이제부터', '지금부터', 'ai', '모델'],
  },
];
