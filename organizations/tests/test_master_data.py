from organizations.models import (
    Bureau,
    Center,
    Prefecture,
    Qualification,
    SupportInstitutionType,
    TrainingBlock,
)


def test_a_fresh_install_has_the_nine_bureaus_and_their_prefectures(db):
    counts = {b.short_name: b.prefectures.count() for b in Bureau.objects.all()}
    assert counts == {
        "北海道": 1,
        "東北": 6,
        "関東": 11,
        "中部": 5,
        "近畿": 7,
        "中国": 5,
        "四国": 4,
        "九州": 7,
        "沖縄": 1,
    }
    assert Prefecture.objects.get(short_name="静岡").bureau.short_name == "関東"
    assert Prefecture.objects.get(short_name="福井").bureau.short_name == "近畿"


def test_there_is_one_center_per_prefecture_with_its_implementing_body(db):
    assert Center.objects.count() == 47
    tokyo = Center.objects.get(code="13")
    assert tokyo.name == "東京都よろず支援拠点"
    assert tokyo.implementing_body.name
    assert list(Center.objects.values_list("code", flat=True)) == [f"{n:02d}" for n in range(1, 48)]


def test_the_seven_training_blocks_cover_every_prefecture_once(db):
    assert TrainingBlock.objects.count() == 7
    assert sum(b.prefectures.count() for b in TrainingBlock.objects.all()) == 47


def test_the_qualification_list_and_institution_types_are_there(db):
    names = list(Qualification.objects.values_list("name", flat=True))
    assert len(names) == 22 and names[0] == "中小企業診断士" and names[-1] == "その他"
    assert {"商工会", "商工会議所", "商店街振興組合", "観光協会"} <= set(
        SupportInstitutionType.objects.values_list("name", flat=True)
    )
