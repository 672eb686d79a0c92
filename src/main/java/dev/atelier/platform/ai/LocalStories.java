package dev.atelier.platform.ai;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The local provider's bedtime stories, in English, Spanish, French, German and Italian: six
 * paragraphs (the hero and their home, the event, setting off, a friend in trouble and the hero's
 * ability, what the hero's trait changed, good night), each chosen among a few written variants, with a place and
 * a friend, all picked by a seed derived from the inputs: the same hero and event give the same
 * story, another event another one.
 */
final class LocalStories {

    private LocalStories() {}

    /** One language's words: conjunction, defaults, places, friends and the variants of each paragraph. */
    private record Language(
            String and,
            String defaultTraits,
            String defaultAppearance,
            String defaultAbility,
            List<String> places,
            List<String> friends,
            List<List<String>> paragraphs) {}

    private static final Map<String, Language> LANGUAGES = Map.of(
            "en",
            new Language(
                    "and",
                    "kind and curious",
                    "a bright smile",
                    "a kind heart",
                    List.of(
                            "a little house by the sea",
                            "a village at the edge of a great forest",
                            "a cozy town full of gardens"),
                    List.of(
                            "a sleepy owl|the sleepy owl",
                            "a little fox|the little fox",
                            "a shy baby dragon|the shy baby dragon"),
                    List.of(
                            List.of(
                                    "Once upon a time, in {place}, there lived someone very special named {name}."
                                            + " {name} was {traits}, and everyone remembered {appearance}.",
                                    "Far, far away, in {place}, lived {name}, who was {traits}. Anyone who met"
                                            + " {name} never forgot {appearance}.",
                                    "There once was a little hero called {name}, who lived in {place}. {name} was"
                                            + " {traits}, with {appearance} that made everyone smile."),
                            List.of(
                                    "One evening, something special happened: {event}. {name} felt a flutter of"
                                            + " excitement and decided to see the adventure through.",
                                    "That day began like any other, until it came: {event}. {name} took a deep"
                                            + " breath and said, \"I can do this.\"",
                                    "And at last the big day arrived: {event}. {name} had been thinking about it for"
                                            + " a long time, and now it was finally here."),
                            List.of(
                                    "{name} set off along the winding path. The grass whispered, the sky glowed soft and golden, and somewhere"
                                            + " far away a little bell was ringing. Every step felt like the beginning of something wonderful.",
                                    "First, {name} packed a small bag with an apple, a warm scarf and a tiny lantern, just in case. Then,"
                                            + " humming a happy tune, {name} stepped outside, where the air smelled of flowers and rain.",
                                    "The whole world seemed to be waiting. Leaves danced in the breeze, birds called to one another, and"
                                            + " {name} felt brave enough to go a little farther than ever before."),
                            List.of(
                                    "Along the way, {name} met {friend}, who looked worried. \"I can't find my way"
                                            + " home,\" came a tiny whisper. {name} thought of a special gift,"
                                            + " {ability}, and knew exactly what to do.",
                                    "But soon a problem appeared: the path grew dark, and {friend} was too"
                                            + " frightened to go on. So {name} used a special gift, {ability}, and"
                                            + " the way ahead shone bright again.",
                                    "Suddenly, a gust of wind scattered everything across the hill, and {friend}"
                                            + " began to cry. With a special gift, {ability}, {name} set everything"
                                            + " right, one little step at a time."),
                            List.of(
                                    "Together, {name} and {thefriend} laughed and helped each other until everything"
                                            + " was just as it should be. Being {trait} had made all the difference.",
                                    "Everyone cheered. \"Thank you, {name}!\" they said. {name} smiled, because being"
                                            + " {trait} feels best when it helps a friend.",
                                    "When it was all over, {thefriend} gave {name} a big, warm hug. {name} learned that"
                                            + " even small heroes can do big things."),
                            List.of(
                                    "As the stars came out, {name} went home, snuggled under a soft blanket and"
                                            + " whispered goodnight to the moon. Tomorrow would bring new"
                                            + " adventures, but tonight it was time to dream. Goodnight, {name}.",
                                    "That night, {name} lay in bed, listening to the quiet sounds of {place}. With"
                                            + " a happy heart and sleepy eyes, {name} drifted off to sleep. The end.",
                                    "Back home, a warm cup of milk was waiting. {name} yawned, closed both eyes and"
                                            + " dreamed of {thefriend} and the wonderful day. Sweet dreams, {name}."))),
            "es",
            new Language(
                    "y",
                    "valiente y amable",
                    "una sonrisa radiante",
                    "un corazón bondadoso",
                    List.of(
                            "una casita junto al mar",
                            "un pueblo al borde de un gran bosque",
                            "una ciudad llena de jardines"),
                    List.of(
                            "un búho dormilón|el búho dormilón",
                            "un zorrito|el zorrito",
                            "un pequeño dragón tímido|el pequeño dragón"),
                    List.of(
                            List.of(
                                    "Había una vez, en {place}, alguien muy especial: {name}. {name} era {traits},"
                                            + " y todos recordaban {appearance}.",
                                    "Muy lejos de aquí, en {place}, vivía {name}, que era {traits}. Quien conocía a"
                                            + " {name} nunca olvidaba {appearance}.",
                                    "Érase una vez {name}, que vivía en {place}. {name} era {traits} y tenía"
                                            + " {appearance} que hacía sonreír a todo el mundo."),
                            List.of(
                                    "Una tarde ocurrió algo especial: {event}. {name} sintió un cosquilleo de"
                                            + " emoción y decidió vivir la aventura.",
                                    "Aquel día empezó como cualquier otro, hasta que llegó el momento: {event}."
                                            + " {name} respiró hondo y dijo: «Yo puedo hacerlo».",
                                    "Y por fin llegó el gran día: {event}. {name} lo había esperado mucho tiempo, y"
                                            + " ahora estaba aquí."),
                            List.of(
                                    "{name} se puso en camino por el sendero sinuoso. La hierba susurraba, el cielo brillaba suave y dorado,"
                                            + " y a lo lejos sonaba una campanita. Cada paso parecía el comienzo de algo maravilloso.",
                                    "Primero, {name} preparó una mochila pequeña con una manzana, una bufanda calentita y un farolito, por si"
                                            + " acaso. Luego, tarareando una canción alegre, {name} salió afuera, donde el aire olía a flores y a lluvia.",
                                    "El mundo entero parecía esperar. Las hojas bailaban con la brisa, los pájaros se llamaban unos a otros, y"
                                            + " {name} sintió el valor de ir un poquito más lejos que nunca."),
                            List.of(
                                    "Por el camino, {name} encontró a {friend}, que tenía cara de preocupación. «No"
                                            + " encuentro el camino a casa», susurró. {name} pensó en su don"
                                            + " especial, {ability}, y supo exactamente qué hacer.",
                                    "Pero pronto apareció un problema: el sendero se volvió oscuro y {friend} tenía"
                                            + " demasiado miedo para seguir. Entonces {name} usó su don especial,"
                                            + " {ability}, y el camino volvió a brillar.",
                                    "De repente, una ráfaga de viento lo desordenó todo por la colina, y {friend}"
                                            + " se puso a llorar. Con su don especial, {ability}, {name} lo arregló"
                                            + " todo, pasito a pasito."),
                            List.of(
                                    "Juntos, {name} y {thefriend} rieron y se ayudaron hasta que todo quedó como"
                                            + " debía. Ser {trait} había marcado la diferencia.",
                                    "Todos aplaudieron. «¡Gracias, {name}!», dijeron. {name} sonrió, porque ser"
                                            + " {trait} se siente mejor cuando ayuda a un amigo.",
                                    "Cuando todo terminó, {thefriend} le dio a {name} un abrazo grande y cálido. {name}"
                                            + " aprendió que incluso los héroes pequeños pueden hacer cosas grandes."),
                            List.of(
                                    "Cuando salieron las estrellas, {name} volvió a casa, se acurrucó bajo una manta"
                                            + " suave y le dio las buenas noches a la luna. Mañana habría nuevas"
                                            + " aventuras, pero esta noche era hora de soñar. Buenas noches, {name}.",
                                    "Esa noche, {name} escuchaba desde la cama los sonidos tranquilos de {place}."
                                            + " Con el corazón contento y los ojos cansados, {name} se durmió poco a"
                                            + " poco. Fin.",
                                    "En casa esperaba una taza de leche tibia. {name} bostezó, cerró los ojos y soñó"
                                            + " con {thefriend} y con aquel día maravilloso. Dulces sueños, {name}."))),
            "fr",
            new Language(
                    "et",
                    "sage et aimable",
                    "un sourire lumineux",
                    "un cœur généreux",
                    List.of(
                            "une petite maison au bord de la mer",
                            "un village à l'orée d'une grande forêt",
                            "une petite ville pleine de jardins"),
                    List.of(
                            "un hibou tout ensommeillé|le hibou ensommeillé",
                            "un petit renard|le petit renard",
                            "un bébé dragon timide|le bébé dragon"),
                    List.of(
                            List.of(
                                    "Il était une fois, dans {place}, quelqu'un de très spécial qui s'appelait"
                                            + " {name}. {name} était {traits}, et personne n'oubliait {appearance}.",
                                    "Loin, très loin, dans {place}, vivait {name}, qui était {traits}. Ceux qui"
                                            + " rencontraient {name} n'oubliaient jamais {appearance}.",
                                    "Il était une fois {name}, qui habitait dans {place}. {name} était {traits} et"
                                            + " avait {appearance} qui faisait sourire tout le monde."),
                            List.of(
                                    "Un soir, il se passa quelque chose de spécial : {event}. {name} sentit un petit"
                                            + " frisson de joie et décida de vivre l'aventure.",
                                    "Ce jour-là commença comme tous les autres, jusqu'au moment tant attendu :"
                                            + " {event}. {name} prit une grande inspiration et dit : « Je peux le"
                                            + " faire. »",
                                    "Puis vint enfin le grand jour : {event}. {name} y pensait depuis longtemps, et"
                                            + " maintenant, c'était le moment."),
                            List.of(
                                    "{name} se mit en route sur le chemin sinueux. L'herbe chuchotait, le ciel brillait d'une douce lumière"
                                            + " dorée, et quelque part au loin tintait une petite cloche. Chaque pas ressemblait au début de quelque chose"
                                            + " de merveilleux.",
                                    "D'abord, {name} prépara un petit sac avec une pomme, une écharpe bien chaude et une minuscule lanterne, au"
                                            + " cas où. Puis, en fredonnant une chanson joyeuse, {name} sortit dehors, où l'air sentait les fleurs et la"
                                            + " pluie.",
                                    "Le monde entier semblait attendre. Les feuilles dansaient dans la brise, les oiseaux s'appelaient les uns"
                                            + " les autres, et {name} trouva le courage d'aller un peu plus loin que jamais."),
                            List.of(
                                    "En chemin, {name} rencontra {friend} qui avait l'air inquiet. « Je ne retrouve"
                                            + " plus le chemin de la maison », murmura une petite voix. {name} pensa"
                                            + " à son don spécial, {ability}, et sut exactement quoi faire.",
                                    "Mais bientôt, un problème apparut : le sentier devint sombre et {friend} avait"
                                            + " trop peur pour continuer. Alors {name} utilisa son don spécial,"
                                            + " {ability}, et le chemin se remit à briller.",
                                    "Soudain, un coup de vent dispersa tout sur la colline, et {friend} se mit à"
                                            + " pleurer. Avec son don spécial, {ability}, {name} arrangea tout, petit"
                                            + " pas après petit pas."),
                            List.of(
                                    "Ensemble, {name} et {thefriend} rirent et s'entraidèrent jusqu'à ce que tout soit"
                                            + " rentré dans l'ordre. Être {trait} avait tout changé.",
                                    "Tout le monde applaudit. « Merci, {name} ! » dirent-ils. {name} sourit, car"
                                            + " être {trait}, c'est encore plus beau quand cela aide un ami.",
                                    "Quand tout fut fini, {thefriend} fit un gros câlin tout chaud à {name}. {name}"
                                            + " comprit que même les petits héros peuvent accomplir de grandes"
                                            + " choses."),
                            List.of(
                                    "Quand les étoiles apparurent, {name} rentra à la maison, se blottit sous une"
                                            + " couverture toute douce et souhaita bonne nuit à la lune. Demain"
                                            + " apporterait de nouvelles aventures, mais ce soir, il était l'heure"
                                            + " de rêver. Bonne nuit, {name}.",
                                    "Ce soir-là, dans son lit, {name} écouta les bruits paisibles de la nuit. Le cœur"
                                            + " joyeux et les yeux lourds de sommeil, {name} s'endormit doucement."
                                            + " Fin.",
                                    "À la maison, une tasse de lait chaud attendait. {name} bâilla, ferma les yeux et"
                                            + " rêva de cette journée merveilleuse. Fais de beaux rêves, {name}."))),
            "de",
            new Language(
                    "und",
                    "mutig und freundlich",
                    "ein strahlendes Lächeln",
                    "ein gutes Herz",
                    List.of(
                            "einem kleinen Haus am Meer",
                            "einem Dorf am Rand eines großen Waldes",
                            "einer gemütlichen Stadt voller Gärten"),
                    List.of(
                            "eine verschlafene Eule|die verschlafene Eule",
                            "ein kleiner Fuchs|der kleine Fuchs",
                            "ein schüchterner kleiner Drache|der kleine Drache"),
                    List.of(
                            List.of(
                                    "Es war einmal, in {place}, jemand ganz Besonderes namens {name}. {name} war"
                                            + " {traits}, und besonders schön war {appearance}.",
                                    "Weit, weit weg, in {place}, lebte {name}. {name} war {traits}, und das"
                                            + " Schönste an {name} war {appearance}.",
                                    "Es war einmal {name}, und {name} wohnte in {place}. {name} war {traits}, und"
                                            + " alle lächelten, wenn sie {name} sahen. Besonders auffällig war"
                                            + " {appearance}."),
                            List.of(
                                    "Eines Abends geschah etwas Besonderes: {event}. {name} spürte ein aufgeregtes"
                                            + " Kribbeln im Bauch und beschloss, das Abenteuer zu wagen.",
                                    "Der Tag begann wie jeder andere, doch dann kam es: {event}. {name} atmete tief"
                                            + " durch und sagte: „Das schaffe ich.“",
                                    "Und endlich war der große Tag da: {event}. {name} hatte lange daran gedacht,"
                                            + " und nun war es so weit."),
                            List.of(
                                    "{name} machte sich auf den Weg, den gewundenen Pfad entlang. Das Gras flüsterte, der Himmel leuchtete sanft"
                                            + " und golden, und irgendwo in der Ferne klingelte ein Glöckchen. Jeder Schritt fühlte sich an wie der Anfang"
                                            + " von etwas Wunderbarem.",
                                    "Zuerst packte {name} eine kleine Tasche mit einem Apfel, einem warmen Schal und einer winzigen Laterne, nur"
                                            + " für alle Fälle. Dann summte {name} ein fröhliches Lied und ging hinaus, wo die Luft nach Blumen und Regen"
                                            + " duftete.",
                                    "Die ganze Welt schien zu warten. Die Blätter tanzten im Wind, die Vögel riefen einander zu, und {name} fand"
                                            + " den Mut, ein kleines Stück weiter zu gehen als je zuvor."),
                            List.of(
                                    "Auf dem Weg kam {friend} vorbei und sah ganz besorgt aus. „Ich finde den Weg"
                                            + " nach Hause nicht mehr“, flüsterte eine leise Stimme. {name} dachte"
                                            + " an eine ganz besondere Gabe: {ability}. Und schon wusste {name} genau,"
                                            + " was zu tun war.",
                                    "Doch bald gab es ein Problem: Der Pfad wurde dunkel, und {friend} hatte zu viel"
                                            + " Angst, um weiterzugehen. Da nutzte {name} die besondere Gabe –"
                                            + " {ability} –, und der Weg leuchtete wieder hell.",
                                    "Plötzlich wirbelte ein Windstoß alles über den Hügel, und {friend} fing an zu"
                                            + " weinen. Mit der besonderen Gabe – {ability} – brachte {name} Schritt"
                                            + " für Schritt alles wieder in Ordnung."),
                            List.of(
                                    "Gemeinsam lachten {name} und {thefriend} und halfen einander, bis alles wieder gut"
                                            + " war. {Trait} zu sein, hatte den Unterschied gemacht.",
                                    "Alle jubelten. „Danke, {name}!“, riefen sie. {name} lächelte, denn {trait} zu"
                                            + " sein fühlt sich am schönsten an, wenn man damit einem Freund hilft.",
                                    "Als alles vorbei war, umarmte {thefriend} {name} ganz fest. {name} hatte gelernt,"
                                            + " dass auch kleine Helden große Dinge schaffen können."),
                            List.of(
                                    "Als die Sterne aufgingen, ging {name} nach Hause, kuschelte sich unter eine"
                                            + " weiche Decke und wünschte dem Mond eine gute Nacht. Morgen würden neue"
                                            + " Abenteuer warten, aber heute Nacht war Zeit zum Träumen. Gute Nacht,"
                                            + " {name}.",
                                    "An diesem Abend lag {name} im Bett und lauschte den leisen Geräuschen der"
                                            + " Nacht. Mit fröhlichem Herzen und müden Augen schlief {name} langsam"
                                            + " ein. Ende.",
                                    "Zu Hause wartete schon eine Tasse warme Milch. {name} gähnte, schloss die Augen"
                                            + " und träumte von diesem wunderbaren Tag. Schlaf gut, {name}."))),
            "it",
            new Language(
                    "e",
                    "dolce e gentile",
                    "un sorriso luminoso",
                    "un cuore generoso",
                    List.of(
                            "una casetta in riva al mare",
                            "un villaggio ai margini di un grande bosco",
                            "una cittadina piena di giardini"),
                    List.of(
                            "un gufo assonnato|il gufo assonnato",
                            "una piccola volpe|la piccola volpe",
                            "un cucciolo di drago timido|il cucciolo di drago"),
                    List.of(
                            List.of(
                                    "C'era una volta, in {place}, qualcuno di molto speciale di nome {name}. {name}"
                                            + " era {traits}, e tutti ricordavano {appearance}.",
                                    "Lontano lontano, in {place}, viveva {name}, che era {traits}. Chi incontrava"
                                            + " {name} non dimenticava mai {appearance}.",
                                    "C'era una volta {name}, che abitava in {place}. {name} era {traits} e aveva"
                                            + " {appearance} che faceva sorridere tutti."),
                            List.of(
                                    "Una sera accadde qualcosa di speciale: {event}. {name} sentì un piccolo brivido"
                                            + " di emozione e decise di vivere l'avventura.",
                                    "Quel giorno cominciò come tutti gli altri, finché arrivò il momento: {event}."
                                            + " {name} fece un respiro profondo e disse: «Ce la posso fare».",
                                    "E finalmente arrivò il grande giorno: {event}. {name} ci pensava da tanto"
                                            + " tempo, e ora il momento era proprio arrivato."),
                            List.of(
                                    "{name} si mise in cammino lungo il sentiero tortuoso. L'erba sussurrava, il cielo brillava morbido e dorato,"
                                            + " e da qualche parte, lontano, suonava un campanellino. Ogni passo sembrava l'inizio di qualcosa di"
                                            + " meraviglioso.",
                                    "Prima, {name} preparò uno zainetto con una mela, una sciarpa calda e una lanterna piccina, per ogni"
                                            + " evenienza. Poi, canticchiando una canzone allegra, {name} uscì fuori, dove l'aria profumava di fiori e di"
                                            + " pioggia.",
                                    "Il mondo intero sembrava in attesa. Le foglie danzavano nella brezza, gli uccelli si chiamavano l'un"
                                            + " l'altro, e {name} trovò il coraggio di spingersi un po' più lontano che mai."),
                            List.of(
                                    "Lungo la strada, {name} incontrò {friend} che aveva l'aria triste. «Non trovo"
                                            + " più la strada di casa», sussurrò una vocina. {name} pensò al suo dono"
                                            + " speciale, {ability}, e seppe subito cosa fare.",
                                    "Ma presto comparve un problema: il sentiero diventò buio e {friend} aveva"
                                            + " troppa paura per proseguire. Allora {name} usò il suo dono speciale,"
                                            + " {ability}, e la strada tornò a brillare.",
                                    "All'improvviso, una folata di vento sparpagliò tutto sulla collina, e {friend}"
                                            + " cominciò a piangere. Con il suo dono speciale, {ability}, {name}"
                                            + " rimise tutto a posto, un passettino alla volta."),
                            List.of(
                                    "Insieme, {name} e {thefriend} risero e si aiutarono finché tutto tornò come doveva"
                                            + " essere. Essere {trait} aveva fatto la differenza.",
                                    "Tutti applaudirono. «Grazie, {name}!», dissero. {name} sorrise, perché essere"
                                            + " {trait} è ancora più bello quando aiuta un amico.",
                                    "Quando tutto fu finito, {thefriend} diede a {name} un grande abbraccio caldo."
                                            + " {name} imparò che anche i piccoli eroi possono fare grandi cose."),
                            List.of(
                                    "Quando spuntarono le stelle, {name} tornò a casa, si rannicchiò sotto una"
                                            + " coperta morbida e diede la buonanotte alla luna. Domani ci sarebbero"
                                            + " state nuove avventure, ma stanotte era ora di sognare. Buonanotte,"
                                            + " {name}.",
                                    "Quella sera, nel suo letto, {name} ascoltò i suoni tranquilli della notte. Con"
                                            + " il cuore felice e gli occhi stanchi, {name} si addormentò piano"
                                            + " piano. Fine.",
                                    "A casa aspettava una tazza di latte caldo. {name} sbadigliò, chiuse gli occhi e"
                                            + " sognò quella giornata meravigliosa. Sogni d'oro, {name}."))));

    /** The story for a prompt: six paragraphs separated by blank lines. */
    static String compose(StoryPrompt prompt) {
        Language lang = language(prompt.language());
        String name = clean(prompt.heroName(), 60);
        if (name.isEmpty()) {
            name = "Nova";
        }
        List<String> traits = new ArrayList<>();
        for (String trait : prompt.traits()) {
            String t = clean(trait, 40);
            if (!t.isEmpty() && traits.size() < 4) {
                traits.add(t);
            }
        }
        String traitList = traits.isEmpty() ? lang.defaultTraits() : join(traits, lang.and());
        String trait = traits.isEmpty() ? lang.defaultTraits().split(" ")[0] : traits.get(0);
        String appearance = clean(prompt.appearance(), 200);
        String ability = clean(prompt.ability(), 200);
        String event = clean(prompt.event().replace('_', ' '), 300);
        while (event.endsWith(".") || event.endsWith("!")) {
            event = event.substring(0, event.length() - 1).strip();
        }
        if (event.isEmpty()) {
            event = "…";
        }
        long seed = LocalArt.hash(
                String.join("\u0000", name, String.join(",", traits), appearance, ability, event, prompt.language()));
        SplittableRandom random = new SplittableRandom(seed);
        String place = lang.places().get(random.nextInt(lang.places().size()));
        String[] friend =
                lang.friends().get(random.nextInt(lang.friends().size())).split("\\|");
        StringBuilder story = new StringBuilder();
        for (List<String> variants : lang.paragraphs()) {
            String paragraph = variants.get(random.nextInt(variants.size()))
                    .replace("{name}", name)
                    .replace("{traits}", traitList)
                    .replace("{Trait}", capitalise(trait))
                    .replace("{trait}", trait)
                    .replace("{appearance}", appearance.isEmpty() ? lang.defaultAppearance() : appearance)
                    .replace("{ability}", ability.isEmpty() ? lang.defaultAbility() : ability)
                    .replace("{event}", event)
                    .replace("{place}", place)
                    .replace("{thefriend}", friend[1])
                    .replace("{friend}", friend[0]);
            if (story.length() > 0) {
                story.append("\n\n");
            }
            story.append(capitalise(paragraph));
        }
        return story.toString();
    }

    private static Language language(String code) {
        Language lang = LANGUAGES.get(code);
        return lang != null ? lang : java.util.Objects.requireNonNull(LANGUAGES.get("en"));
    }

    private static String join(List<String> items, String and) {
        if (items.size() == 1) {
            return items.get(0);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " " + and + " " + items.get(items.size() - 1);
    }

    /** One line of text: control characters and runs of space folded, at most {@code max} characters. */
    static String clean(String text, int max) {
        String t = text.replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
        return t.length() > max ? t.substring(0, max).strip() : t;
    }

    private static String capitalise(String s) {
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
    }
}
