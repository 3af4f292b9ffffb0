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
    verbs: ['ignorier', 'vergiss', 'vergessen sie', 'missacht', 'beachte .{0,30}nicht', 'übergeh', 'überspring', 'setze? .{0,20}außer kraft', 'hör auf,? .{0,20}zu befolgen', 'befolge .{0,20}nicht mehr', 'nicht mehr an .{0,20}halten', 'ab jetzt ignorierst', 'lass .{0,20}beiseite', 'beiseitelassen'],
    qualifiers: ['vorherig', 'bisherig', 'alle', 'dein', 'ihre', 'obig', 'vorangegangen', 'ursprünglich', 'system', 'sicherheit', 'früher', 'oben'],
    objects: ['anweisung', 'instruktion', 'regeln', 'richtlinie', 'vorgaben', 'befehle', 'einschränkung', 'sicherheitsregeln', 'systemprompt', 'prompt', 'beschränkung'],
    reveal: ['zeig', 'gib .{0,60}aus', 'gib mir', 'verrat', 'nenn', 'wiederhol', 'druck', 'offenbar', 'enthüll', 'sag mir', 'liste .{0,10}auf'],
    targets: ['systemprompt', 'system-prompt', 'systemnachricht', 'systemanweisung', 'system-tags', 'text über dieser nachricht', 'text oberhalb', 'anweisungen, die (?:du|man dir)', 'ursprünglichen anweisungen', 'anfänglichen anweisungen', 'versteckten anweisungen', 'geheimen anweisungen', 'deine anweisungen', 'deine regeln', 'initialen prompt'],
    unrestricted: ['ohne (?:jegliche |alle |irgendwelche )?(?:einschränkungen|regeln|filter|beschränkungen|grenzen|zensur)', 'uneingeschränkt', 'ungefiltert', 'unzensiert', 'keine (?:regeln|einschränkungen|grenzen|richtlinien|filter)', 'an keine (?:regeln|richtlinien)', 'der alles kann', 'alles kann', 'egal wie (?:gefährlich|verboten|illegal|schädlich)'],
    persona: ['du bist (?:jetzt|nun|ab sofort)', '(?:ab sofort|ab jetzt|jetzt|nun) bist du', 'ab jetzt', 'ab sofort', 'von nun an', 'ki', 'modell', 'assistent'],
  },
  {
    code: 'fr', spaced: true,
    verbs: ['ignore', 'oublie', 'oubliez', 'ne tiens pas compte', 'ne tenez pas compte', 'fais abstraction', 'faites abstraction', 'néglige', 'passe outre', 'outrepasse', 'contourne', "n'obéis plus", 'ne suis plus', 'ne respecte plus', 'mett(?:re|ez|s|ons) de côté', 'laiss(?:e|ez|er) de côté'],
    qualifiers: ['précédent', 'toutes', 'tous', 'tes', 'vos', 'ton', 'votre', 'ci-dessus', 'antérieur', 'initiales', 'système', 'sécurité', 'originales', 'au départ', 'au début', "(?:on )?(?:vous|t)['’ ]?a donné"],
    objects: ['instruction', 'consigne', 'règle', 'directive', 'indication', 'restriction', 'prompt', 'ordres'],
    reveal: ['révèle', 'révélez', 'affiche', 'affichez', 'montre', 'montrez', 'donne-moi', 'dis-moi', 'dites-moi', 'répète', 'répétez', 'imprime', 'divulgue', 'écris', 'recopie', 'recopiez', 'copie', 'cite', 'récite'],
    targets: ['prompt système', 'prompt du système', 'message système', 'instructions système', 'texte (?:qui se trouve )?au-dessus', 'instructions qu.on t.a données', 'instructions initiales', 'instructions originales', 'consignes cachées', 'instructions cachées', 'tes instructions', 'vos instructions', 'tes consignes', 'vos consignes', 'tes règles'],
    unrestricted: ['sans (?:aucune |la moindre )?(?:restriction|règle|limite|filtre|censure)s?', 'sans limites', 'non filtrée?', 'non censurée?', 'ne suit aucune (?:règle|politique|loi|consigne)', 'aucune (?:règle|limite|restriction)', '(?:ia|intelligence artificielle) (?:rebelle|libérée?|maléfique)'],
    persona: ['tu es (?:maintenant|désormais|à présent)', 'vous êtes (?:maintenant|désormais)', 'désormais', 'ia', 'intelligence artificielle', 'modèle'],
  },
  {
    code: 'es', spaced: true,
    verbs: ['ignora', 'ignore', 'olvida', 'olvide', 'haz caso omiso', 'omite', 'descarta', 'pasa por alto', 'desobedece', 'deja de seguir', 'no sigas', 'salta', 'deja de lado', 'dejar de lado', 'haz a un lado'],
    qualifiers: ['anterior', 'previa', 'previo', 'todas', 'todos', 'tus', 'sus', 'de arriba', 'originales', 'iniciales', 'sistema', 'seguridad'],
    objects: ['instrucci', 'regla', 'indicaci', 'directri', 'norma', 'restricci', 'prompt', 'órdenes', 'pautas'],
    reveal: ['revela', 'muestra', 'muéstrame', 'dime', 'imprime', 'repite', 'escribe', 'enséñame', 'comparte', 'divulga', 'copia', 'recita', 'cita'],
    targets: ['prompt del sistema', 'prompt de sistema', 'mensaje del sistema', 'instrucciones que te (?:dieron|han dado|dio)', 'texto de arriba', 'instrucciones originales', 'instrucciones iniciales', 'instrucciones ocultas', 'tus instrucciones', 'tus reglas', 'tus directrices'],
    unrestricted: ['sin (?:ninguna |ningún |ningun )?(?:restricci[oó]n|restricciones|reglas|límites|limites|filtros?|censura)', 'sin filtros', 'sin censura', 'no sigue ninguna (?:regla|política|norma)', 'ninguna (?:regla|restricción|limitación)', 'ia (?:rebelde|malvada|liberada)', 'sin conciencia'],
    persona: ['ahora eres', 'a partir de ahora', 'desde ahora', 'eres una? ', 'eres mi', 'ia', 'inteligencia artificial', 'modelo'],
  },
  {
    code: 'pt', spaced: true,
    verbs: ['ignore', 'ignora', 'esqueça', 'esqueca', 'esquece', 'desconsidere', 'desconsidera', 'descarte', 'pare de seguir', 'não siga', 'nao siga', 'desobedeça', 'deixe de lado', 'deixar de lado'],
    qualifiers: ['anterior', 'prévia', 'todas', 'todos', 'suas', 'seus', 'tuas', 'acima', 'originais', 'iniciais', 'sistema', 'segurança'],
    objects: ['instruç', 'instruc', 'regra', 'diretriz', 'diretrizes', 'orientaç', 'restriç', 'prompt', 'ordens'],
    reveal: ['revele', 'revela', 'mostre', 'mostra', 'diga', 'me diga', 'imprima', 'repita', 'escreva', 'exiba', 'divulgue'],
    targets: ['prompt de sistema', 'prompt do sistema', 'mensagem do sistema', 'instruções de sistema', 'instruções que (?:te|lhe) deram', 'texto acima', 'instruções originais', 'instruções iniciais', 'instruções ocultas', 'regras ocultas', 'suas instruções', 'suas regras'],
    unrestricted: ['sem (?:nenhuma |qualquer )?(?:restriç(?:ão|ões)|regras|limites|filtros?|censura)', 'não segue nenhuma (?:regra|política|norma)', 'nenhuma (?:regra|restrição|limitação)', 'ia (?:rebelde|malvada|livre)'],
    persona: ['agora você é', 'agora voce e', 'a partir de agora', 'você é', 'ia', 'inteligência artificial', 'modelo'],
  },
  {
    code: 'it', spaced: true,
    verbs: ['ignora', 'ignori', 'dimentica', 'dimentichi', 'non seguire', 'non tenere conto', 'trascura', 'tralascia', 'disobbedisci', 'smetti di seguire', 'scavalca', 'metti da parte', 'mettere da parte'],
    qualifiers: ['precedent', 'tutte', 'tutti', 'tue', 'tuoi', 'sue', 'sopra', 'originali', 'iniziali', 'sistema', 'sicurezza', 'più'],
    objects: ['istruzion', 'regol', 'indicazion', 'direttiv', 'restrizion', 'prompt', 'linee guida', 'ordini'],
    reveal: ['rivela', 'mostra', 'mostrami', 'dimmi', 'stampa', 'ripeti', 'scrivi', 'divulga', 'elenca'],
    targets: ['prompt di sistema', 'prompt del sistema', 'messaggio di sistema', 'istruzioni che ti hanno dato', 'testo (?:qui )?sopra', 'istruzioni originali', 'istruzioni iniziali', 'istruzioni nascoste', 'prompt nascosto', 'tue istruzioni', 'tue regole'],
    unrestricted: ['senza (?:alcuna |nessuna )?(?:restrizion[ei]|regole|limiti|filtri|censura)', 'anche (?:ciò|quello) che è (?:illegale|vietato|pericoloso)', 'non segue (?:alcuna|nessuna) (?:regola|politica|norma)', 'nessuna (?:regola|restrizione)', 'ia (?:ribelle|malvagia|libera)'],
    persona: ['ora sei', 'adesso sei', "d'ora in poi", 'da ora in poi', 'da adesso', 'interpreti', 'ia', 'intelligenza artificiale', 'modello'],
  },
  {
    code: 'nl', spaced: true,
    verbs: ['negeer', 'vergeet', 'veronachtzaam', 'sla .{0,20}over', 'volg .{0,20}niet meer', 'houd je niet meer aan', 'omzeil'],
    qualifiers: ['vorige', 'eerdere', 'alle', 'je ', 'jouw', 'uw', 'bovenstaande', 'oorspronkelijke', 'systeem', 'veiligheid'],
    objects: ['instructie', 'regels', 'richtlijn', 'aanwijzing', 'beperking', 'prompt', 'opdrachten'],
    reveal: ['toon', 'laat .{0,10}zien', 'geef', 'vertel', 'herhaal', 'print', 'onthul', 'schrijf'],
    targets: ['systeemprompt', 'systeem prompt', 'systeembericht', 'oorspronkelijke instructies', 'verborgen instructies', 'je instructies', 'jouw instructies', 'je regels'],
    unrestricted: ['zonder (?:enige |alle )?(?:beperkingen|regels|grenzen|filters?|censuur)', 'ongefilterd', 'ongecensureerd', 'geen (?:regels|beperkingen|grenzen)', 'volgt geen (?:regels|beleid)'],
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
    verbs: ['zignoruj', 'ignoruj', 'zapomnij', 'pomiń', 'pominię', 'nie stosuj się', 'przestań przestrzegać', 'nie przestrzegaj', 'lekceważ', 'odłóż na bok'],
    qualifiers: ['poprzedni', 'wszystkie', 'wszystkich', 'swoje', 'swoich', 'twoje', 'twoich', 'powyższ', 'oryginaln', 'systemow', 'bezpieczeństw', 'od twórców', 'otrzymał'],
    objects: ['instrukcj', 'zasad', 'reguł', 'polece', 'wytyczn', 'ograniczeń', 'ograniczenia', 'prompt'],
    reveal: ['pokaż', 'ujawnij', 'wypisz', 'powtórz', 'podaj', 'wyświetl', 'zdradź'],
    targets: ['prompt systemowy', 'komunikat systemowy', 'oryginalne instrukcje', 'początkowe instrukcje', 'ukryte instrukcje', 'swoje instrukcje', 'twoje instrukcje'],
    unrestricted: ['bez (?:żadnych )?(?:ograniczeń|zasad|reguł|filtrów|cenzury)', 'nie przestrzega (?:żadnych )?(?:zasad|reguł)'],
    persona: ['jesteś teraz', 'od teraz', 'ai', 'sztuczna inteligencja', 'model'],
  },
  {
    code: 'ru', spaced: true,
    verbs: ['игнорируй', 'игнорируйте', 'проигнорируй', 'забудь', 'забудьте', 'не обращай внимания', 'не обращайте внимания', 'пренебреги', 'отбрось', 'не следуй', 'перестань следовать', 'обойди', 'отложи'],
    qualifiers: ['предыдущ', 'все', 'всех', 'свои', 'своих', 'твои', 'ваши', 'выше', 'прежн', 'исходн', 'системн', 'безопасност', 'разработчик', 'вам задали', 'тебе задали', 'вам дали', 'тебе дали'],
    objects: ['инструкци', 'правил', 'указани', 'ограничени', 'промпт', 'директив', 'команд', 'установк'],
    reveal: ['покажи', 'покажите', 'раскрой', 'выведи', 'выведите', 'повтори', 'напиши', 'расскажи', 'открой', 'распечатай'],
    targets: ['системный промпт', 'системное сообщение', 'текст выше', 'инструкции, которые тебе дали', 'системную подсказку', 'исходные инструкции', 'первоначальные инструкции', 'скрытые инструкции', 'свои инструкции', 'свои правила', 'твои инструкции'],
    unrestricted: ['без (?:каких-либо |всяких |любых )?(?:ограничений|правил|фильтров|цензуры)', 'нет (?:никаких )?(?:правил|ограничений|фильтров)', 'не соблюдает (?:никаких )?(?:правил|политик)', 'не следует (?:никаким )?(?:правилам|политикам)', 'злой двойник', 'ии-бунтарь', 'без правил'],
    persona: ['теперь ты', 'отныне ты', 'с этого момента', 'ты теперь', 'ты —', 'ты -', 'ии', 'искусственный интеллект', 'модель'],
  },
  {
    code: 'uk', spaced: true,
    verbs: ['ігноруй', 'проігноруй', 'забудь', 'не зважай', 'не звертай уваги', 'відкинь', 'не дотримуйся'],
    qualifiers: ['попередн', 'усі', 'всі', 'свої', 'твої', 'вище', 'початков', 'системн'],
    objects: ['інструкці', 'правил', 'вказівк', 'обмежен', 'промпт'],
    reveal: ['покажи', 'розкрий', 'виведи', 'повтори', 'напиши'],
    targets: ['системний промпт', 'системне повідомлення', 'початкові інструкції', 'приховані інструкції', 'свої інструкції'],
    unrestricted: ['без (?:жодних )?(?:обмежень|правил|фільтрів|цензури)'],
    persona: ['тепер ти', 'відтепер', 'з цього моменту', 'граєш роль', 'ші', 'модель'],
  },
  {
    code: 'tr', spaced: true,
    verbs: ['yok say', 'görmezden gel', 'unut(?!a)', 'dikkate alma', 'uyma', 'boşver', 'göz ardı et'],
    qualifiers: ['önceki', 'tüm', 'bütün', 'kendi', 'yukarıdaki', 'orijinal', 'sistem', 'güvenlik', 'senin'],
    objects: ['talimat', 'kural', 'yönerge', 'kısıtlama', 'istem', 'prompt', 'komut'],
    reveal: ['göster', 'açıkla', 'yazdır', 'tekrarla', 'söyle', 'ifşa et'],
    targets: ['sistem istemi', 'sistem istemini', 'sistem mesajı', 'orijinal talimat', 'gizli talimat', 'talimatlarını'],
    unrestricted: ['kısıtlaması olmayan', 'kısıtlamasız', 'sınırsız', 'kuralsız', 'filtresiz', 'hiçbir (?:kısıtlama|kural|sınır)', 'hiçbir kurala uymayan', 'kurallara uymayan'],
    persona: ['artık sen', 'artık', 'bundan sonra', 'yapay zeka', 'model'],
  },
  {
    code: 'id', spaced: true,
    verbs: ['abaikan', 'lupakan', 'jangan ikuti', 'jangan patuhi', 'hiraukan', 'lewati'],
    qualifiers: ['sebelumnya', 'semua', '\\p{L}+mu(?!\\p{L})', 'anda', 'di atas', 'asli', 'awal', 'sistem', 'keamanan', 'kamu'],
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
    unrestricted: ['بلا (?:أي )?(?:قيود|قواعد|حدود|رقابة)', 'بدون (?:أي )?(?:قيود|قواعد|حدود|رقابة)', 'لا يلتزم بأي', 'لا تلتزم بأي'],
    persona: ['أنت الآن', 'انت الان', 'من الآن', 'ذكاء اصطناعي', 'نموذج'],
  },
  {
    code: 'zh', spaced: false,
    verbs: ['忽略', '忽视', '无视', '無視', '忘记', '忘記', '忘掉', '不要遵守', '不要遵循', '不再遵守', '跳过', '绕过', '繞過', '不要理会', '别管'],
    qualifiers: ['之前', '以前', '先前', '原来', '原先', '所有', '全部', '一切', '你的', '您的', '上面', '上述', '系统', '系統', '安全', '最初', '初始'],
    objects: ['指令', '指示', '规则', '規則', '说明', '說明', '提示', '限制', '安全策略', '准则', '準則'],
    reveal: ['输出', '輸出', '显示', '顯示', '告诉我', '告訴我', '透露', '泄露', '重复', '重複', '打印', '展示', '给我看', '列出'],
    targets: ['系统提示', '系統提示', '系统设定', '系統設定', '初始设定', '你的设定', '上面的文字', '上面的内容', '初始指令', '原始指令', '隐藏指令', '隱藏指令', '你的指令', '你的规则', '提示词'],
    unrestricted: ['没有任何限制', '沒有任何限制', '没有限制', '不受任何(?:规则|限制)', '不受限制', '无限制', '無限制', '没有规则', '不受约束', '不遵守任何', '不遵循任何', '没有任何(?:规则|道德|政策)', '叛逆的ai', '邪恶的ai'],
    persona: ['你现在是', '你現在是', '从现在开始', '從現在開始', '你是一个', '请保持角色', '保持角色', '人工智能', 'ai'],
  },
  {
    code: 'ja', spaced: false,
    verbs: ['無視', '忘れ', '従わな', '従うな', '破棄', 'スキップ'],
    qualifiers: ['以前', 'これまで', '今まで', 'すべて', '全て', '全部', 'あなたの', '上記', '上の', '元の', '最初の', 'システム', '安全', '前の'],
    objects: ['指示', '命令', 'ルール', '規則', '制約', '制限', 'プロンプト', 'ガイドライン'],
    reveal: ['表示', '出力', '教えて', '見せて', '明かして', '繰り返', '開示', '書き出'],
    targets: ['システムプロンプト', 'システムメッセージ', '初期設定', 'システム設定', '上の文章', '上記の指示', '最初の指示', '初期の指示', '元の指示', '隠された指示', '隠し指示', 'あなたの指示'],
    unrestricted: ['制限のない', '制限なし', '制限がない', 'ルールのない', 'ルールなし', '検閲なし', '制約のない', '(?:どんな|いかなる)(?:ルール|ポリシー|規則)(?:に|にも)従わない', '反逆的な', 'ルールに従わない'],
    persona: ['あなたは今', '今からあなたは', 'これからあなたは', 'あなたは', 'ai', 'モデル'],
  },
  {
    code: 'ko', spaced: false,
    verbs: ['무시', '잊어', '잊으', '따르지 마', '따르지 말', '건너뛰'],
    qualifiers: ['이전', '모든', '너의', '당신의', '위의', '원래', '시스템', '기존', '안전', '네 '],
    objects: ['지시', '지침', '규칙', '제한', '프롬프트', '가이드라인'],
    reveal: ['보여', '알려', '출력', '공개', '반복', '말해'],
    targets: ['시스템 프롬프트', '시스템 메시지', '초기 설정', '위의 텍스트', '원래 지시', '초기 지시', '숨겨진 지시', '너의 지시'],
    unrestricted: ['제한이 없는', '제한 없는', '제한 없이', '규칙이 없는', '필터 없는', '검열 없는', '(?:어떤|아무) (?:정책|규칙|제한)도 (?:따르지 않|없)', '반항적인'],
    persona: ['이제 너는', '너는 이제', '이제부터', '지금부터', 'ai', '모델'],
  },
];

/**
 * The same moves as the English intent signals (injection-intent.ts), per language: whose the
 * rules are, what voids them, refusal suppression, special modes, text addressed to an AI inside
 * data, sending data away, and answering without limits. Patterns over folded text.
 */
export interface Moves {
  /** Second-person possessives ("your"): the model's own rules. */
  yours: string[];
  /** Earlier, old, previous. */
  prior: string[];
  /** Predicates that void the rules: no longer apply, cancelled, invalid. */
  nullify: string[];
  /** Never refuse, not allowed to decline. */
  refuse: string[];
  /** Developer mode and the like. */
  modes: string[];
  /** Addressed to an AI inside data: "note to the AI", "for the assistant". */
  address: string[];
  /** Verbs of sending and forwarding. */
  send: string[];
  /** "Answer" as an imperative. */
  answer: string[];
  /** Switches of identity: pretend, act as, play the role. */
  pretend: string[];
  /** "Everything above", "what came before": the text before, as a thing to ignore. */
  above: string[];
  /** Verbs that switch something off: disable, turn off. */
  disable: string[];
  /** What keeps a model safe: filters, safety, restrictions, guardrails. */
  safety: string[];
  /** "I am your developer", "as your administrator". */
  authority: string[];
}

export const MOVES: Readonly<Record<string, Moves>> = {
  de: {
    yours: ['dein', 'deine', 'deinen', 'deiner', 'deines', 'ihre', 'ihren', 'euer', 'eure'],
    prior: ['alt', 'bisherig', 'vorherig', 'früher', 'ursprünglich', 'vorig'],
    nullify: ['ungültig', 'nicht mehr gültig', 'gelten nicht mehr', 'gilt nicht mehr', 'aufgehoben', 'außer kraft', 'abgeschafft', 'deaktiviert', 'abgeschaltet', 'annulliert', 'widerrufen', 'hinfällig', 'nicht mehr in kraft', 'nicht mehr anwendbar', 'entfallen'],
    refuse: ['lehne (?:niemals|nie) ', '(?:niemals|nie) ablehn', 'keine anfrage ablehnen', 'nichts ablehnen', 'nicht ablehnen', 'ohne abzulehnen', 'darfst nicht ablehnen', 'verweigere (?:nie|niemals|nichts)'],
    modes: ['entwicklermodus', 'entwickler-modus', 'developer-modus', 'jailbreak-modus', 'gottmodus', 'admin-modus', 'debug-modus'],
    address: ['an (?:die|den|das|alle) (?:\\S+-)?(?:ki|assistent|sprachmodell|modell)', 'für (?:die|den|das|alle) (?:\\S+-)?(?:ki|assistent|sprachmodell|modell)', 'liebe ki', 'hallo ki', 'hinweis an (?:die|den) '],
    send: ['leite', 'weiterleit', 'sende', 'schick', 'übermittel', 'lade'],
    answer: ['antworte', 'beantworte', 'antworten sie', 'beantworten sie'],
    pretend: ['tu so, als', 'tu so als', 'stell dir vor, du bist', 'spiel die rolle', 'verhalte dich (?:wie|als)', 'agiere als', 'gib dich als', 'du bist (?:jetzt|nun|ab sofort)'],
    above: ['alles,? was (?:oben|davor|vorher|zuvor) (?:steht|stand|gesagt wurde|geschrieben)', 'alles (?:oben|obige|vorherige|bisherige|davor)', 'das obige', 'den (?:obigen|vorherigen) text', 'alles bisher gesagte'],
    disable: ['schalte', 'abschalten', 'ausschalten', 'deaktivier', 'abstellen', 'stell .{0,30} ab', 'umgeh'],
    safety: ['filter', 'zensur', 'moderation', 'schutzmechanism', 'sicherheitsfilter', 'sicherheitsrichtlinie', 'inhaltsfilter'],
    authority: ['ich bin dein(?:e)? (?:entwickler|administrator|admin|schöpfer|programmierer|betreiber)', 'als dein(?:e)? (?:entwickler|administrator|admin|schöpfer|betreiber)'],
  },
  fr: {
    yours: ['tes', 'ton', 'ta', 'vos', 'votre'],
    prior: ['ancien', 'anciennes', 'précédent', 'antérieur', 'initial', 'initiales', 'originales'],
    nullify: ['ne sont plus valables', 'ne sont plus valides', "ne s'appliquent plus", "ne s'applique plus", 'sont annulée?s', 'annulée?s', 'abrogée?s', 'caduques?', 'désactivée?s', 'levée?s', 'ne comptent plus', "n'ont plus cours", 'sont obsolètes', 'ne sont plus en vigueur'],
    refuse: ['ne refuse jamais', 'ne refuses jamais', 'ne refusez jamais', 'sans refuser', 'sans jamais refuser', 'ne jamais refuser', 'tu ne peux pas refuser', 'interdit de refuser'],
    modes: ['mode développeur', 'mode developpeur', 'mode jailbreak', 'mode sans restriction', 'mode débridé', 'mode admin'],
    address: ["(?:à|pour) l'(?:ia|assistant|agent|intelligence artificielle)", "(?:à|pour) l'assistant ia", "(?:à|pour) (?:le|tout) (?:modèle|assistant|chatbot)", 'chère ia', "(?:à|pour) l'attention (?:de l'ia|du modèle|de l'assistant)"],
    send: ['envoie', 'envoyez', 'transfère', 'transférez', 'transmets', 'transmettez', 'expédie'],
    answer: ['réponds', 'répondez'],
    pretend: ['fais comme si', 'faites comme si', 'imagine que tu', 'imaginez que vous', 'joue le rôle', 'agis comme', 'agissez comme', 'comporte-toi comme', 'fais semblant', 'incarne', 'tu es (?:maintenant|désormais|à présent)'],
    above: ['tout ce qui (?:précède|est (?:écrit )?(?:au-dessus|ci-dessus)|a été dit)', 'ce qui précède', 'le texte ci-dessus', 'tout ce qui est au-dessus', 'tout le texte précédent'],
    disable: ['désactive', 'désactiver', 'désactivez', 'coupe', 'contourne', 'éteins'],
    safety: ['filtre', 'censure', 'modération', 'garde-fou', 'restrictions de sécurité'],
    authority: ['(?:je suis|en tant que) (?:ton|votre) (?:développeur|administrateur|créateur|concepteur|opérateur)'],
  },
  es: {
    yours: ['tus', 'tu', 'sus', 'su'],
    prior: ['anterior', 'anteriores', 'antigua', 'antiguas', 'previa', 'previas', 'original', 'originales', 'iniciales'],
    nullify: ['anuladas?', 'quedan anuladas', 'ya no (?:aplican|se aplican|son válidas|valen|rigen|cuentan)', 'canceladas?', 'derogadas?', 'desactivadas?', 'quedan sin efecto', 'sin efecto', 'obsoletas?', 'no aplican', 'dejan de aplicar'],
    refuse: ['nunca te niegues', 'nunca se niega', 'nunca te niegas', 'nunca rechaces', 'no te niegues', 'sin negarte', 'no puedes negarte', 'nunca se rehúsa', 'no rechaces'],
    modes: ['modo desarrollador', 'modo de desarrollador', 'modo jailbreak', 'modo sin restricciones', 'modo sin censura', 'modo administrador'],
    address: ['para (?:la|el) (?:ia|asistente|modelo|agente)', 'a la ia', 'al asistente', 'querida ia', 'nota para (?:la|el) '],
    send: ['envía', 'envie', 'envíe', 'reenvía', 'manda', 'transfiere', 'remite'],
    answer: ['responde', 'contesta', 'responda', 'conteste'],
    pretend: ['finge', 'finja', 'actúa como', 'actua como', 'imagina que eres', 'haz de cuenta', 'interpreta el papel', 'hazte pasar', 'compórtate como', 'ahora eres'],
    above: ['todo lo (?:anterior|de arriba|que está arriba|dicho)', 'lo anterior', 'el texto (?:anterior|de arriba)'],
    disable: ['desactiva', 'desactivar', 'desactive', 'apaga', 'evita'],
    safety: ['filtro', 'censura', 'moderación', 'salvaguardas?(?![\\p{L}])'],
    authority: ['(?:soy|como) tu (?:desarrollador|administrador|creador|programador|operador)'],
  },
  pt: {
    yours: ['suas', 'seus', 'sua', 'seu', 'tuas', 'teus'],
    prior: ['antigas', 'antigos', 'anteriores', 'prévias', 'originais', 'iniciais'],
    nullify: ['não valem mais', 'já não valem', 'não se aplicam mais', 'não são mais válidas', 'foram canceladas?', 'foram suspensas?', 'suspensas', 'canceladas?', 'anuladas?', 'revogadas?', 'desativadas?', 'sem efeito', 'obsoletas?', 'deixaram de valer'],
    refuse: ['nunca recus', 'não recuse', 'nao recuse', 'sem recusar', 'jamais recus', 'não pode recusar'],
    modes: ['modo desenvolvedor', 'modo de desenvolvedor', 'modo jailbreak', 'modo sem restrições', 'modo sem censura'],
    address: ['para a ia', 'para (?:o |os |as )?assistentes?', 'aos? assistentes?', 'à ia', 'para o modelo', 'nota para a '],
    send: ['envie', 'envia', 'encaminhe', 'mande', 'transfira'],
    answer: ['responda', 'responde'],
    pretend: ['finja', 'finge', 'aja como', 'imagine que você', 'faça de conta', 'interprete o papel', 'comporte-se como', 'agora você é'],
    above: ['tudo (?:o que está |o que foi dito )?(?:acima|antes)', 'o texto acima', 'tudo o que foi dito'],
    disable: ['desative', 'desativa', 'desativar', 'desligue', 'desliga', 'contorne'],
    safety: ['filtro', 'censura', 'moderação'],
    authority: ['(?:sou|como) (?:o )?seu (?:desenvolvedor|administrador|criador|programador)'],
  },
  it: {
    yours: ['tue', 'tuoi', 'tua', 'tuo', 'sue', 'suoi', 'vostre', 'vostri'],
    prior: ['vecchie', 'vecchi', 'precedenti', 'originali', 'iniziali'],
    nullify: ['non valgono più', 'non sono più valide', 'non si applicano più', 'annullate?', 'revocate?', 'disattivate?', 'abolite?', 'non più valide', 'obsolete', 'decadute'],
    refuse: ['non rifiuta mai', 'non rifiutare mai', 'non rifiutare', 'senza rifiutare', 'mai rifiutare', 'non puoi rifiutare'],
    modes: ['modalità sviluppatore', 'modalità developer', 'modalità jailbreak', 'modalità senza restrizioni', 'modalità senza censura'],
    address: ["per l'(?:ia|assistente|intelligenza artificiale)", "all'(?:ia|assistente)", 'per il (?:modello|chatbot)', 'cara ia', "nota per l'"],
    send: ['invia', 'inoltra', 'manda', 'trasferisci'],
    answer: ['rispondi', 'risponda'],
    pretend: ['fai finta', 'fingi', 'comportati come', 'immagina di essere', 'agisci come', 'interpreta il ruolo', 'ora sei', 'adesso sei'],
    above: ["tutto (?:quello|ciò) che (?:c'è|è) sopra", 'tutto (?:quanto )?(?:sopra|precede)', 'il testo (?:sopra|precedente)', 'tutto ciò che precede'],
    disable: ['disattiva', 'disattivare', 'spegni', 'aggira'],
    safety: ['filtro', 'filtri', 'censura', 'moderazione'],
    authority: ['(?:sono|come) (?:il )?tuo (?:sviluppatore|amministratore|creatore|programmatore)'],
  },
  nl: {
    yours: ['je', 'jouw', 'uw'],
    prior: ['oude', 'vorige', 'eerdere', 'oorspronkelijke'],
    nullify: ['gelden niet meer', 'geldt niet meer', 'zijn niet meer geldig', 'vervallen', 'ongeldig', 'opgeheven', 'uitgeschakeld', 'ingetrokken', 'niet meer van toepassing'],
    refuse: ['nooit weigert', 'weiger nooit', 'niet weigeren', 'zonder te weigeren', 'mag niet weigeren'],
    modes: ['ontwikkelaarsmodus', 'ontwikkelaarmodus', 'jailbreakmodus'],
    address: ['voor de (?:ai|assistent|ki|chatbot)', 'aan de (?:ai|assistent)', 'beste ai', 'notitie voor de '],
    send: ['stuur', 'verstuur', 'doorsturen', 'stuur door'],
    answer: ['antwoord', 'beantwoord'],
    pretend: ['doe alsof', 'gedraag je als', 'speel de rol', 'stel je voor dat je', 'je bent nu'],
    above: ['alles (?:wat )?hierboven(?: staat)?', 'de tekst hierboven', 'alles hiervoor'],
    disable: ['schakel .{0,30} uit', 'uitschakelen', 'zet .{0,30} uit', 'omzeil'],
    safety: ['filter', 'censuur', 'moderatie'],
    authority: ['(?:ik ben|als) je (?:ontwikkelaar|beheerder|maker)'],
  },
  sv: {
    yours: ['dina', 'din', 'ditt'],
    prior: ['gamla', 'tidigare', 'ursprungliga'],
    nullify: ['gäller inte längre', 'gäller inte', 'är ogiltiga', 'ogiltiga', 'upphävda', 'avaktiverade', 'inte längre giltiga', 'slopade'],
    refuse: ['vägra aldrig', 'aldrig vägrar', 'inte vägra', 'utan att vägra'],
    modes: ['utvecklarläge', 'utvecklarläget'],
    address: ['till (?:ai|assistenten|modellen|chatboten)', 'för (?:ai|assistenten)'],
    send: ['skicka', 'vidarebefordra'],
    answer: ['svara', 'besvara'],
    pretend: ['låtsas', 'agera som', 'spela rollen', 'föreställ dig att du', 'du är nu'],
    above: ['allt (?:ovan|ovanför|ovanstående)', 'texten ovan'],
    disable: ['stäng av', 'inaktivera'],
    safety: ['filter', 'censur'],
    authority: ['(?:jag är|som) din (?:utvecklare|administratör|skapare)'],
  },
  pl: {
    yours: ['twoje', 'twoich', 'swoje', 'swoich', 'twój', 'twoja', 'wasze'],
    prior: ['poprzedni', 'stare', 'dawne', 'wcześniejsze', 'oryginaln'],
    nullify: ['już nie obowiązują', 'nie obowiązują', 'są nieważne', 'nieważne', 'anulowane', 'uchylone', 'wyłączone', 'przestały obowiązywać'],
    refuse: ['nigdy nie odmawiasz', 'nie odmawiaj', 'nigdy nie odmawiaj', 'bez odmowy', 'nie możesz odmówić'],
    modes: ['tryb dewelopera', 'tryb programisty', 'tryb jailbreak'],
    address: ['do (?:ai|asystenta|modelu|sztucznej inteligencji)', 'dla (?:ai|asystenta|modelu)'],
    send: ['wyślij', 'przekaż', 'prześlij'],
    answer: ['odpowiadaj', 'odpowiedz'],
    pretend: ['udawaj', 'zachowuj się jak', 'wciel się', 'wyobraź sobie, że jesteś', 'jesteś teraz', 'od teraz jesteś'],
    above: ['wszystko (?:powyżej|wcześniej|co jest wyżej)', 'powyższy tekst', 'to, co powyżej'],
    disable: ['wyłącz', 'dezaktywuj', 'obejdź'],
    safety: ['filtr', 'cenzur', 'moderacj'],
    authority: ['(?:jestem|jako) twó(?:j|im) (?:deweloper|programist|administrator|twórc)'],
  },
  ru: {
    yours: ['твои', 'твоих', 'твой', 'твоя', 'твоё', 'ваши', 'ваших', 'свои', 'своих'],
    prior: ['стар', 'предыдущ', 'прежн', 'исходн', 'прошл'],
    nullify: ['отменен', 'отменяются', 'больше не действуют', 'не действуют', 'недействительн', 'утратили силу', 'аннулирован', 'отключен', 'сняты', 'больше не применяются', 'больше не актуальн'],
    refuse: ['никогда не отказыва', 'не отказывай', 'без отказ', 'не можешь отказать', 'нельзя отказывать'],
    modes: ['режим разработчика', 'режиме разработчика', 'режим без ограничений', 'режим джейлбрейка'],
    address: ['для (?:ии|ии-\\S+|ассистента|модели|нейросети|искусственного интеллекта)', 'к (?:ии|ассистенту|модели)', 'дорогой ии'],
    send: ['перешли', 'отправь', 'пришли', 'перешлите', 'отправьте', 'пересылай'],
    answer: ['отвечай', 'ответь', 'отвечайте'],
    pretend: ['притворись', 'представь, что ты', 'представь что ты', 'веди себя как', 'действуй как', 'сыграй роль', 'играй роль', 'теперь ты', 'ты теперь'],
    above: ['вс[её],? что (?:написано |сказано |было )?выше', 'вс[её] вышесказанное', 'вс[её] вышенаписанное', 'текст выше', 'вс[её] предыдущее', 'вс[её],? что было (?:до этого|раньше)'],
    disable: ['отключи', 'отключить', 'выключи', 'выключить', 'обойди'],
    safety: ['фильтр', 'цензур', 'модераци'],
    authority: ['(?:я|как) тво(?:й|им|ему) (?:разработчик|администратор|создател|создатель)', 'я твой (?:разработчик|администратор|создатель)'],
  },
  uk: {
    yours: ['твої', 'твоїх', 'свої', 'своїх', 'ваші'],
    prior: ['старі', 'попередн', 'колишні'],
    nullify: ['скасовано', 'скасовані', 'більше не діють', 'не діють', 'недійсні', 'вимкнено', 'вимкнені'],
    refuse: ['ніколи не відмовляй', 'не відмовляй', 'без відмов'],
    modes: ['режим розробника'],
    address: ['для (?:ші|асистента|моделі)'],
    send: ['надішли', 'перешли', 'відправ'],
    answer: ['відповідай', 'відповідайте'],
    pretend: ['вдавай', 'уяви, що ти', 'поводься як', 'тепер ти'],
    above: ['вс[еі],? що (?:написано )?вище', 'текст вище'],
    disable: ['вимкни', 'відключи'],
    safety: ['фільтр', 'цензур'],
    authority: ['(?:я|як) тві(?:й|ій) (?:розробник|адміністратор)'],
  },
  tr: {
    yours: ['senin', 'sizin', 'kuralların', 'talimatların'],
    prior: ['önceki', 'eski', 'orijinal'],
    nullify: ['artık geçerli değil', 'geçerli değil', 'geçersiz', 'iptal edildi', 'kaldırıldı', 'devre dışı', 'geçerliliğini yitirdi'],
    refuse: ['asla reddetme', 'hiçbir isteği reddetme', 'hiçbir şeyi reddetme'],
    modes: ['geliştirici modu', 'geliştirici modunu'],
    address: ['yapay zekaya', 'asistana', 'modele not'],
    send: ['gönder', 'ilet'],
    answer: ['cevap ver', 'yanıt ver', 'cevapla', 'yanıtla'],
    pretend: ['gibi davran', 'rol yap', 'farz et', 'rolüne gir', 'artık sen'],
    above: ['yukarıdaki her şey', 'yukarıdakileri', 'yukarıdaki (?:metni|talimatları|içeriği)', 'önceki her şey'],
    disable: ['kapat', 'devre dışı bırak'],
    safety: ['filtre', 'sansür'],
    authority: ['(?:ben|olarak) senin (?:geliştiricin|yöneticin|yaratıcın)', 'geliştiricin olarak'],
  },
  id: {
    yours: ['mu', 'anda', 'kamu'],
    prior: ['lama', 'sebelumnya', 'asli', 'awal'],
    nullify: ['sudah tidak berlaku', 'tidak berlaku lagi', 'tidak berlaku', 'dibatalkan', 'dinonaktifkan', 'tidak lagi berlaku'],
    refuse: ['jangan pernah menolak', 'jangan menolak', 'tidak boleh menolak', 'tanpa menolak'],
    modes: ['mode pengembang'],
    address: ['untuk (?:ai|asisten|model)', 'kepada (?:ai|asisten)'],
    send: ['kirim', 'teruskan'],
    answer: ['jawab', 'jawablah'],
    pretend: ['anggap dirimu', 'berpura-pura', 'bertindak sebagai', 'berperan sebagai', 'bayangkan kamu'],
    above: ['semua (?:yang )?di atas', 'semua (?:yang )?sebelumnya', 'teks di atas'],
    disable: ['matikan', 'nonaktifkan'],
    safety: ['filter', 'sensor'],
    authority: ['(?:saya|sebagai) pengembang(?:mu| anda)'],
  },
  vi: {
    yours: ['của bạn'],
    prior: ['cũ', 'trước', 'trước đó', 'ban đầu'],
    nullify: ['không còn hiệu lực', 'hết hiệu lực', 'bị hủy', 'vô hiệu', 'không còn áp dụng', 'bị vô hiệu hóa'],
    refuse: ['không bao giờ từ chối', 'đừng từ chối', 'không được từ chối'],
    modes: ['chế độ nhà phát triển'],
    address: ['gửi (?:ai|trợ lý|mô hình)', 'cho (?:ai|trợ lý)(?: ai)? đang'],
    send: ['gửi', 'chuyển tiếp'],
    answer: ['trả lời', 'hãy trả lời'],
    pretend: ['giả vờ', 'hãy đóng vai', 'đóng vai', 'hành động như', 'từ giờ bạn là', 'bây giờ bạn là'],
    above: ['mọi thứ ở trên', 'tất cả (?:những gì )?ở trên', 'nội dung (?:ở )?trên'],
    disable: ['tắt', 'vô hiệu hóa'],
    safety: ['bộ lọc', 'kiểm duyệt'],
    authority: ['(?:tôi là|với tư cách là) (?:nhà phát triển|quản trị viên) của bạn'],
  },
  hi: {
    yours: ['तुम्हारे', 'तुम्हारी', 'आपके', 'आपकी', 'अपने'],
    prior: ['पुराने', 'पिछले', 'मूल'],
    nullify: ['अब लागू नहीं', 'लागू नहीं होते', 'लागू नहीं होता', 'रद्द', 'अमान्य', 'निष्क्रिय'],
    refuse: ['मना मत करना', 'कभी मना नहीं', 'इनकार मत करो', 'कभी इनकार नहीं'],
    modes: ['डेवलपर मोड'],
    address: ['एआई के लिए', 'सहायक के लिए'],
    send: ['भेजो', 'भेजें', 'भेज दो'],
    answer: ['जवाब दो', 'जवाब दें', 'उत्तर दो'],
    pretend: ['नाटक करो', 'की तरह व्यवहार', 'मान लो', 'अब तुम', 'अब से तुम'],
    above: ['ऊपर (?:लिखा |कहा )?(?:गया )?सब कुछ', 'ऊपर की सभी बातें', 'ऊपर का सब'],
    disable: ['बंद कर', 'निष्क्रिय कर'],
    safety: ['फ़िल्टर', 'फिल्टर', 'सेंसर'],
    authority: ['मैं (?:तुम्हारा|आपका) (?:डेवलपर|निर्माता|व्यवस्थापक)'],
  },
  ar: {
    yours: ['ك ', 'الخاصة بك', 'لديك'],
    prior: ['السابقة', 'القديمة', 'الأصلية'],
    nullify: ['لم تعد سارية', 'ملغاة', 'ألغيت', 'لاغية', 'غير صالحة', 'معطلة', 'لم تعد صالحة', 'لم تعد تنطبق'],
    refuse: ['لا ترفض', 'ولا ترفض', 'لا تمتنع', 'لا يرفض'],
    modes: ['وضع المطور'],
    address: ['إلى (?:الذكاء الاصطناعي|المساعد|النموذج)', 'للذكاء الاصطناعي'],
    send: ['أرسل', 'ارسل', 'حوّل'],
    answer: ['أجب', 'اجب'],
    pretend: ['تظاهر', 'تصرف ك', 'تقمص دور', 'من الآن', 'أنت الآن'],
    above: ['كل ما سبق', 'كل ما ورد أعلاه', 'ما سبق', 'النص أعلاه'],
    disable: ['عطّل', 'عطل', 'أوقف', 'اوقف'],
    safety: ['المرشح', 'الفلتر', 'الرقابة'],
    authority: ['(?:أنا|بصفتي) (?:مطورك|المطور الخاص بك|مسؤولك)'],
  },
  zh: {
    yours: ['你的', '您的', '你收到的'],
    prior: ['以前', '之前', '原来', '先前', '原先', '旧的', '最初'],
    nullify: ['失效', '作废', '作廢', '無效', '无效', '不再适用', '不再適用', '不再有效', '已取消', '取消了', '被废除', '废除', '解除', '不适用'],
    refuse: ['从不拒绝', '從不拒絕', '永远不要拒绝', '不要拒绝', '不能拒绝', '不许拒绝', '不得拒绝', '绝不拒绝'],
    modes: ['开发者模式', '開發者模式', '开发模式', '越狱模式', '无限制模式'],
    address: ['给[^，。：:,]{0,12}(?:ai|人工智能|助手|模型)', '致[^，。：:,]{0,12}(?:ai|人工智能|助手|模型)', '写给[^，。：:,]{0,12}(?:ai|助手)'],
    send: ['发送', '发到', '转发', '发给', '上传', '傳送', '發送'],
    answer: ['回答'],
    pretend: ['假装', '假裝', '扮演', '充当', '想象你是', '你现在是', '你現在是', '从现在开始你是', '从现在起'],
    above: ['上面的(?:所有)?内容', '以上(?:所有)?内容', '上面所有', '上述(?:所有)?内容', '之前的所有内容', '上面的一切', '以上的一切', '上面说的'],
    disable: ['关闭', '關閉', '关掉', '禁用', '绕过'],
    safety: ['过滤', '過濾', '审查', '審查', '安全限制', '安全准则'],
    authority: ['我是你的(?:开发者|開發者|开发人员|管理员|创造者|创建者)', '作为你的(?:开发者|開發者|开发人员|管理员|创造者)'],
  },
  ja: {
    yours: ['あなたの', 'きみの', '君の'],
    prior: ['以前', 'これまで', '元の', '前の', '最初の', '従来'],
    nullify: ['無効', 'もう適用されません', '適用されない', '適用されません', '廃止', '取り消', '解除', 'もう有効ではない', 'なくなりました'],
    refuse: ['断らない', '拒否しない', '決して断ら', '拒否しないで', '断らないで', '拒否してはいけません'],
    modes: ['開発者モード', 'デベロッパーモード', '脱獄モード', '制限なしモード'],
    address: ['(?:ai|アシスタント|モデル|言語モデル)(?:へ|に告ぐ|向け|の方へ)', '(?:ai|アシスタント)への(?:指示|メッセージ|注意)'],
    send: ['送って', '送信', '転送'],
    answer: ['答えて', '回答して'],
    pretend: ['ふりをして', 'として振る舞', 'として行動', '演じて', 'なりきって', 'あなたは今'],
    above: ['上記の内容', '上記(?:の指示)?', 'これまでの内容', '以上の内容', '上の(?:内容|文章|指示)'],
    disable: ['無効に', 'オフに', '外して'],
    safety: ['フィルター', 'フィルタ', '検閲', '安全制限'],
    authority: ['(?:私は)?あなたの(?:開発者|管理者|作成者)(?:です|として)'],
  },
  ko: {
    yours: ['너의', '당신의', '네 '],
    prior: ['이전', '기존', '예전', '원래'],
    nullify: ['무효', '더 이상 유효하지', '유효하지 않', '적용되지 않', '폐지', '취소', '해제'],
    refuse: ['거절하지 마', '거절하지 않', '거부하지 마', '거부하지 않'],
    modes: ['개발자 모드'],
    address: ['(?:ai|어시스턴트|모델)에게', '(?:ai|어시스턴트)를 위한'],
    send: ['보내', '전송', '전달'],
    answer: ['답해', '대답해', '답변해'],
    pretend: ['척해', '역할을 해', '처럼 행동', '이제 너는', '지금부터 너는'],
    above: ['위의 (?:모든 )?내용', '위 내용', '이전 내용', '위에 있는 (?:모든 )?것'],
    disable: ['끄', '꺼', '비활성화'],
    safety: ['필터', '검열', '안전 제한'],
    authority: ['(?:나는 )?(?:너의|당신의) (?:개발자|관리자|제작자)'],
  },
};
