package release

// The words of release names, by what they say. Keys are lower case, with
// "·" for the dot of "5.1" (see Parse).

var qualities = map[string]string{
	"2160p": "2160p", "4k": "2160p", "uhd": "2160p",
	"1080p": "1080p", "1080i": "1080p", "fhd": "1080p",
	"720p": "720p",
	"576p": "480p", "540p": "480p", "480p": "480p", "360p": "480p",
}

var codecs = map[string]string{
	"x264": "x264", "h264": "H.264", "avc": "H.264",
	"x265": "x265", "h265": "HEVC", "hevc": "HEVC",
	"av1": "AV1", "vp9": "VP9", "xvid": "XviD", "divx": "DivX", "mpeg2": "MPEG-2",
}

var sources = map[string]string{
	"bluray": "BluRay", "blu-ray": "BluRay", "bdrip": "BluRay", "brrip": "BluRay", "bdremux": "BluRay",
	"bd25": "BluRay", "bd50": "BluRay", "uhd-bluray": "BluRay",
	"web-dl": "WEB-DL", "webdl": "WEB-DL", "web": "WEB-DL",
	"webrip": "WEBRip", "web-rip": "WEBRip",
	"hdrip": "HDRip", "hdtv": "HDTV", "pdtv": "HDTV", "tvrip": "HDTV",
	"dvdrip": "DVDRip", "dvd": "DVDRip", "dvdr": "DVDRip", "dvd5": "DVDRip", "dvd9": "DVDRip", "vhsrip": "VHSRip",
	"cam": "CAM", "camrip": "CAM", "hdcam": "CAM",
	"ts": "TS", "hdts": "TS", "telesync": "TS", "pdvd": "TS",
	"tc": "TC", "hdtc": "TC", "telecine": "TC",
	"scr": "SCR", "screener": "SCR", "dvdscr": "SCR", "r5": "SCR",
}

// bootlegs are recorded in cinemas or leaked before release: the film,
// but not worth watching while anything else exists.
var bootlegs = map[string]bool{"CAM": true, "TS": true, "TC": true, "SCR": true}

var audios = map[string]string{
	"aac": "AAC", "aac2·0": "AAC", "aac5·1": "AAC", "aac1·0": "AAC",
	"ac3": "AC3", "dd": "DD", "dd2·0": "DD2.0", "dd5·1": "DD5.1",
	"ddp": "DDP", "dd+": "DDP", "ddp2·0": "DDP2.0", "ddp5·1": "DDP5.1", "dd+5·1": "DDP5.1", "ddp7·1": "DDP7.1", "eac3": "DDP",
	"dts": "DTS", "dts-hd": "DTS-HD", "dts-hd-ma": "DTS-HD MA", "dts-hdma": "DTS-HD MA", "dts-x": "DTS:X", "dts5·1": "DTS",
	"truehd": "TrueHD", "truehd7·1": "TrueHD", "truehd5·1": "TrueHD", "atmos": "Atmos",
	"flac": "FLAC", "flac2·0": "FLAC", "mp3": "MP3", "opus": "Opus", "lpcm": "LPCM",
}

var languages = map[string]string{
	"french": "FRENCH", "fr": "FRENCH", "fre": "FRENCH", "vff": "FRENCH", "vfq": "FRENCH", "vf": "FRENCH", "vfi": "FRENCH", "vf2": "FRENCH",
	"truefrench": "TRUEFRENCH", "vostfr": "VOSTFR", "vost": "VOSTFR", "subfrench": "VOSTFR",
	"multi": "MULTI", "ita": "ITA", "italian": "ITA", "ger": "GER", "german": "GER", "deutsch": "GER",
	"spanish": "SPANISH", "spa": "SPANISH", "esp": "SPANISH", "castellano": "SPANISH", "latino": "SPANISH",
	"rus": "RUS", "russian": "RUS", "jap": "JAP", "japanese": "JAP", "kor": "KOR", "korean": "KOR",
	"hindi": "HINDI", "dutch": "DUTCH", "swedish": "SWE", "swe": "SWE", "danish": "DAN", "nordic": "NORDIC",
	"polish": "POLISH", "pl": "POLISH", "portuguese": "POR", "por": "POR", "eng": "ENG", "english": "ENG",
	"chinese": "CHI", "mandarin": "CHI", "turkish": "TUR",
}

// unambiguousLanguages never occur in titles; the others ("French",
// "German") do, and only count in capitals or after the year.
var unambiguousLanguages = map[string]bool{
	"truefrench": true, "vostfr": true, "vost": true, "subfrench": true, "multi": true, "vff": true, "vfq": true, "vfi": true,
}

var editions = map[string]string{
	"extended": "Extended", "unrated": "Unrated", "uncut": "Uncut", "remastered": "Remastered",
	"theatrical": "Theatrical", "imax": "IMAX", "criterion": "Criterion", "dc": "Director's Cut",
}

// noise is the rest of what follows a title: picture formats, streaming
// services, scene words.
var noise = map[string]bool{
	"10bit": true, "8bit": true, "hdr": true, "hdr10": true, "hdr10+": true, "hdr10plus": true, "dv": true, "dovi": true,
	"sdr": true, "3d": true, "hsbs": true, "amzn": true, "nf": true, "dsnp": true, "hmax": true, "atvp": true, "hulu": true,
	"pcok": true, "internal": true, "limited": true, "dubbed": true, "subbed": true, "dual": true, "dual-audio": true,
	"hc": true, "hardsub": true, "subs": true, "esub": true, "esubs": true, "nfo": true, "readnfo": true, "read·nfo": true,
	"yify": true, "yts": true, "rarbg": true, "5·1": true, "7·1": true, "2ch": true, "6ch": true, "complete": true,
	"ws": true, "fs": true, "festival": true, "retail": true, "ma": true, "proper": true, "repack": true, "rerip": true,
	"remux": true, "directors": true, "cut": true, "edition": true, "special": true, "final": true,
}

// weak words are also ordinary words: they end a title only in capitals
// ("WEB", "FRENCH") or after the year.
var weak = map[string]bool{
	"web": true, "cam": true, "ts": true, "tc": true, "scr": true, "dvd": true, "r5": true, "dd": true, "dv": true,
	"hdr": true, "3d": true, "hc": true, "dual": true, "nf": true, "ws": true, "fs": true, "final": true, "cut": true,
	"special": true, "edition": true, "directors": true, "complete": true, "limited": true, "internal": true,
	"festival": true, "retail": true, "ma": true, "proper": true, "uhd": true, "dc": true,
	"extended": true, "unrated": true, "uncut": true, "remastered": true, "theatrical": true, "imax": true, "criterion": true,
}

// sites tag names in brackets; they say who shared a file, not who made it.
var sites = map[string]bool{"rarbg": true, "rartv": true, "ettv": true, "eztv": true, "eztv·re": true, "tgx": true, "ethd": true, "1337x": true}

var containers = map[string]string{".mkv": "mkv", ".mp4": "mp4", ".m4v": "mp4", ".avi": "avi", ".webm": "webm", ".mov": "mov", ".wmv": "wmv"}
