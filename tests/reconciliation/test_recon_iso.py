"""ISO 20022 parsers on synthetic files: pain.002.001.10, camt.054.001.08 returns, malformed input, XXE."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from gateway.errors import FileUnreadable, LineRejected
from reconciliation import EntryStatus, ParseOptions, Scope, detect_format, entry_to_json, parse_file

P10 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
C54 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
C53_8 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"

PAIN002_V10 = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{P10}">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>BANKRPT-0001</MsgId><CreDtTm>2024-07-01T10:00:00+08:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>SILINK-B42-S1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>
      <OrgnlNbOfTxs>3</OrgnlNbOfTxs><GrpSts>PART</GrpSts>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>PMT-1</OrgnlPmtInfId>
      <TxInfAndSts>
        <OrgnlInstrId>I-1</OrgnlInstrId><OrgnlEndToEndId>E2E0000000000001</OrgnlEndToEndId>
        <OrgnlUETR>1b4ec1a8-3b5c-4d0e-9f0a-2a6c2b7d9e11</OrgnlUETR>
        <TxSts>ACSC</TxSts>
        <OrgnlTxRef><Amt><InstdAmt Ccy="CNY">2350.75</InstdAmt></Amt>
          <ReqdExctnDt><Dt>2024-07-02</Dt></ReqdExctnDt></OrgnlTxRef>
      </TxInfAndSts>
      <TxInfAndSts>
        <OrgnlEndToEndId>E2E0000000000002</OrgnlEndToEndId><TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>MD07</Cd></Rsn>
          <AddtlInf>户名与账号不符</AddtlInf><AddtlInf>2nd line</AddtlInf></StsRsnInf>
        <OrgnlTxRef><Amt><InstdAmt Ccy="CNY">1800</InstdAmt></Amt></OrgnlTxRef>
      </TxInfAndSts>
      <TxInfAndSts>
        <OrgnlEndToEndId>E2E0000000000003</OrgnlEndToEndId><TxSts>ZZZZ</TxSts>
        <StsRsnInf><Rsn><Prtry>B-991</Prtry></Rsn></StsRsnInf>
      </TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
"""


def _ntry(
    amount: str, e2e: str, *, indicator: str = "CRDT", sts: str = "BOOK", rtr: str | None = None
) -> str:
    rtr_xml = f"<RtrInf><Rsn><Cd>{rtr}</Cd></Rsn><AddtlInf>account closed</AddtlInf></RtrInf>" if rtr else ""
    return f"""
      <Ntry>
        <Amt Ccy="CNY">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><RvslInd>false</RvslInd>
        <Sts><Cd>{sts}</Cd></Sts>
        <BookgDt><Dt>2024-07-03</Dt></BookgDt><ValDt><DtTm>2024-07-03T09:30:00+08:00</DtTm></ValDt>
        <AcctSvcrRef>BK-{e2e}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd>
          <Fmly><Cd>ICDT</Cd><SubFmlyCd>{"RRTN" if rtr else "DMCT"}</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><MsgId>SILINK-B42-S1</MsgId><PmtInfId>PMT-1</PmtInfId><EndToEndId>{e2e}</EndToEndId></Refs>
          <Amt Ccy="CNY">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>
          {rtr_xml}
        </TxDtls></NtryDtls>
      </Ntry>"""


def camt054(entries: str, *, namespace: str = C54, account: str = "6222021234567890123") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{namespace}">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>NTF-1</MsgId><CreDtTm>2024-07-03T18:00:00+08:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>NTF-1-1</Id><CreDtTm>2024-07-03T18:00:00+08:00</CreDtTm>
      <Acct><Id><Othr><Id>{account}</Id></Othr></Id></Acct>{entries}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
"""


def _write(tmp_path: Path, text: str, name: str = "evidence.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _assert_schema_valid(formats_dir: Path, path: Path, xsd: str) -> None:
    schema = etree.XMLSchema(etree.parse(str(formats_dir / "xsd" / xsd)))
    schema.assertValid(etree.parse(str(path)))


def test_pain002_v10_synthetic_is_schema_valid(formats_dir: Path, tmp_path: Path) -> None:
    """The synthetic pain.002.001.10 used below is valid against the ISO schema."""
    _assert_schema_valid(formats_dir, _write(tmp_path, PAIN002_V10), "pain.002.001.10.xsd")


def test_pain002_v10_statuses_amounts_and_reasons(tmp_path: Path) -> None:
    """Group PART, a settled line with amount and UETR, a rejected line with its status reason list."""
    result = parse_file(_write(tmp_path, PAIN002_V10))
    assert result.format == "pain.002"
    group, settled, rejected, unknown = result.entries
    assert (group.scope, group.status, group.nb_of_txs) == (Scope.GROUP, EntryStatus.PARTIAL, 3)
    assert (settled.status, settled.amount_minor, settled.currency) == (EntryStatus.SETTLED, 235075, "CNY")
    assert settled.refs.uetr == "1b4ec1a8-3b5c-4d0e-9f0a-2a6c2b7d9e11"
    assert settled.value_date.isoformat() == "2024-07-02"
    assert settled.refs.original_message_id == "SILINK-B42-S1"
    assert (rejected.status, rejected.amount_minor) == (EntryStatus.REJECTED, 180000)
    assert (rejected.reason.code_list.value, rejected.reason.code) == ("status", "MD07")
    assert rejected.reason.raw_text == "户名与账号不符; 2nd line"
    assert unknown.status is EntryStatus.UNKNOWN  # an unknown code never reads as success
    assert unknown.reason.raw_code == "B-991"
    assert [w.code for w in result.warnings] == ["UNKNOWN_STATUS"]


def test_pain002_without_tx_status_inherits_block_status(tmp_path: Path) -> None:
    """A transaction listed under a rejected block without its own TxSts is rejected too."""
    text = PAIN002_V10.replace("<GrpSts>PART</GrpSts>", "").replace(
        "<OrgnlPmtInfId>PMT-1</OrgnlPmtInfId>",
        "<OrgnlPmtInfId>PMT-1</OrgnlPmtInfId><PmtInfSts>RJCT</PmtInfSts>",
    )
    text = text.replace("<TxSts>ACSC</TxSts>", "")
    entries = parse_file(_write(tmp_path, text)).entries
    assert entries[0].scope is Scope.BATCH and entries[0].status is EntryStatus.REJECTED
    assert (entries[1].raw_status, entries[1].status) == (None, EntryStatus.REJECTED)


def test_camt054_v8_synthetic_is_schema_valid(formats_dir: Path, tmp_path: Path) -> None:
    """The synthetic camt.054.001.08 used below is valid against the ISO schema."""
    path = _write(tmp_path, camt054(_ntry("100.00", "E2E0000000000001") + _ntry("2.5", "E2E2", rtr="AC04")))
    _assert_schema_valid(formats_dir, path, "camt.054.001.08.xsd")


def test_camt054_return_entry(tmp_path: Path) -> None:
    """A return carries status RETURNED, the return reason list, its code and the original end-to-end id."""
    result = parse_file(
        _write(tmp_path, camt054(_ntry("100.00", "E2E0000000000001") + _ntry("2.5", "E2E2", rtr="AC04")))
    )
    paid, returned = result.entries
    assert (paid.status, paid.reason, paid.amount_minor) == (EntryStatus.BOOKED, None, 10000)
    assert returned.status is EntryStatus.RETURNED
    assert (returned.reason.code_list.value, returned.reason.code) == ("return", "AC04")
    assert returned.refs.end_to_end_id == "E2E2"
    assert returned.amount_minor == 250
    assert returned.value_date.isoformat() == "2024-07-03"  # from a DtTm
    assert entry_to_json(returned)["reason"] == {
        "list": "return",
        "code": "AC04",
        "raw_code": None,
        "raw_text": "account closed",
    }


def test_account_masked_in_repr_and_json(tmp_path: Path) -> None:
    """The statement account is kept on the entry but shown masked in repr, str and JSON."""
    entry = parse_file(_write(tmp_path, camt054(_ntry("1.00", "E1")))).entries[0]
    kept = entry.account == "6222021234567890123"
    assert kept, "the full account is kept on the entry"  # compared apart: a failure must not print it
    for shown in (repr(entry), str(entry), str(entry_to_json(entry))):
        assert "6222021234567890123" not in shown
        assert "622202*********0123" in shown
    revealed = entry_to_json(entry, reveal=True)["account"] == "6222021234567890123"
    assert revealed, "reveal=True gives the full account"


def test_bad_amounts_are_all_reported_with_path_and_line(tmp_path: Path) -> None:
    """Two bad amounts give one error listing both, each with its XML path, line and reason."""
    text = camt054(_ntry("12,50", "E1") + _ntry("1.00", "E2") + _ntry("3.005", "E3"))
    with pytest.raises(LineRejected) as info:
        parse_file(_write(tmp_path, text))
    violations = [(v.field, v.description) for v in info.value.field_violations]
    assert len(violations) == 2
    assert violations[0][0].startswith("/Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[1]/Amt (line ")
    assert "not an unsigned decimal amount" in violations[0][1]
    assert violations[1][0].startswith("/Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[3]/Amt")
    assert violations[1][1] == "more than 2 decimal places for CNY"
    assert info.value.metadata["problems"] == "2"


def test_missing_mandatory_element(tmp_path: Path) -> None:
    """An entry without CdtDbtInd is refused naming the entry and the element."""
    text = camt054(_ntry("1.00", "E1")).replace("<CdtDbtInd>CRDT</CdtDbtInd><RvslInd>", "<RvslInd>", 1)
    with pytest.raises(LineRejected) as info:
        parse_file(_write(tmp_path, text))
    assert "Ntfctn[1]/Ntry[1] (line 8): CdtDbtInd: mandatory element missing" in str(info.value)


def test_malformed_xml_is_unreadable_with_line(tmp_path: Path) -> None:
    """XML that is not well-formed is refused as unreadable, with the line of the fault."""
    text = camt054(_ntry("1.00", "E1")).replace("</AcctSvcrRef>", "</AcctSvcrRf>", 1)
    with pytest.raises(FileUnreadable) as info:
        parse_file(_write(tmp_path, text))
    assert info.value.metadata["line"] == "12"
    assert "not well-formed XML" in str(info.value)


def test_xxe_is_refused_and_not_expanded(tmp_path: Path) -> None:
    """A DOCTYPE with an external entity is refused before anything is read from the entity's target."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    text = camt054(_ntry("1.00", "E1")).replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY x SYSTEM "file://{secret}">]>',
    )
    text = text.replace("<Id>NTF-1-1</Id>", "<Id>&x;</Id>")
    path = _write(tmp_path, text)
    with pytest.raises(FileUnreadable) as info:
        parse_file(path)
    assert info.value.reason == "XML_DOCTYPE_FORBIDDEN"
    assert "TOP-SECRET" not in str(info.value)
    with pytest.raises(FileUnreadable):
        parse_file(path, format="camt.054")  # forcing the format does not get around it


def test_entity_expansion_bomb_is_refused(tmp_path: Path) -> None:
    """A billion-laughs style internal entity is refused, not expanded."""
    bomb = '<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    text = camt054(_ntry("1.00", "E1")).replace('<?xml version="1.0" encoding="UTF-8"?>', bomb)
    text = text.replace("<Id>NTF-1-1</Id>", "<Id>&b;</Id>")
    with pytest.raises(FileUnreadable) as info:
        parse_file(_write(tmp_path, text))
    assert info.value.reason == "XML_DOCTYPE_FORBIDDEN"


def test_unsupported_version_and_unknown_message(tmp_path: Path) -> None:
    """A camt.054 version we do not read, and a pain.001 file, are refused with what they are."""
    newer = camt054(_ntry("1.00", "E1"), namespace="urn:iso:std:iso:20022:tech:xsd:camt.054.001.09")
    with pytest.raises(FileUnreadable) as info:
        parse_file(_write(tmp_path, newer))
    assert info.value.reason == "UNSUPPORTED_FORMAT"
    assert "camt.054.001.09 is not supported (supported: 001.02, 001.04, 001.08)" in str(info.value)
    pain001 = (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>'
    )
    with pytest.raises(FileUnreadable) as info:
        parse_file(_write(tmp_path, pain001, "p.xml"))
    assert info.value.reason == "UNKNOWN_FORMAT"
    assert "pain.001.001.09" in str(info.value)


def test_unrecognised_and_empty_files(tmp_path: Path) -> None:
    """Text that is no known format, and an empty file, are refused as unreadable."""
    with pytest.raises(FileUnreadable) as info:
        detect_format(_write(tmp_path, "id,amount\n1,2.00\n", "x.csv"))
    assert "format not recognised" in str(info.value)
    with pytest.raises(FileUnreadable) as info:
        parse_file(_write(tmp_path, "", "empty.xml"))
    assert "empty" in str(info.value)


def test_file_name_with_account_is_masked_in_errors(tmp_path: Path) -> None:
    """An error about a file named after an account shows that account masked."""
    path = _write(tmp_path, "<Document", "camt054_P_CH2909000000250094239_1.xml")
    with pytest.raises(FileUnreadable) as info:
        parse_file(path, format="camt.054")
    assert "CH2909000000250094239" not in str(info.value)
    assert "CH2909***********4239" in str(info.value)


def test_camt053_balances_and_break(tmp_path: Path) -> None:
    """A v8 statement balances (opening + booked = closing); a tampered closing is a balance break."""
    entries = _ntry("100.00", "E1") + _ntry("30.00", "E2", indicator="DBIT") + _ntry("5.00", "E3", sts="PDNG")
    stmt = camt054(entries, namespace=C53_8).replace("BkToCstmrDbtCdtNtfctn", "BkToCstmrStmt")
    stmt = stmt.replace("Ntfctn>", "Stmt>")
    balances = (
        '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">1000.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-07-02</Dt></Dt></Bal>"
        '<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">1070.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-07-03</Dt></Dt></Bal>"
    )
    stmt = stmt.replace("</Acct>", "</Acct>" + balances, 1)
    result = parse_file(_write(tmp_path, stmt))
    statement = result.statements[0]
    assert (statement.opening.amount_minor, statement.closing.amount_minor) == (100000, 107000)
    assert statement.booked_net_minor == 7000  # the pending entry does not count
    assert statement.balance_ok and statement.balance_basis == "booking"
    tampered = _write(tmp_path, stmt.replace("1070.00", "1070.01"), "tampered.xml")
    with pytest.raises(LineRejected) as info:
        parse_file(tampered)
    assert info.value.reason == "STATEMENT_UNBALANCED"
    assert "Stmt[1] (line 5): balance: opening + booked entries ≠ closing by 1 minor units" in str(info.value)
    lenient = parse_file(tampered, options=ParseOptions(balance_breaks="warn"))
    assert lenient.statements[0].balance_ok is False
    assert lenient.statements[0].balance_difference == 1
    assert [w.code for w in lenient.warnings] == ["BALANCE_BREAK"]
